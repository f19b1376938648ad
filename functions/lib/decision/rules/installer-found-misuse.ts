import { ruleKit, strength, toBuyer, type Rule } from '../rule.ts';

const meta = {
  id: 'installer-found-misuse',
  version: '1.0.0',
  reasonCode: 'INSTALLER_FOUND_MISUSE',
  description:
    'An installer reporting misuse moves some weight to the buyer and lowers confidence; as a witness it never rejects a claim alone.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const installerFoundMisuse: Rule = {
  ...meta,
  evaluate(f) {
    if (f.installerMisuse === 0) return notFired;
    const disputed = f.productProblem > 0 || f.scanDamage || f.packagingDamaged > 0;
    return fire(
      toBuyer(0.4 * f.installerMisuse),
      disputed
        ? 'The installer reports misuse while other evidence shows a defect or transit damage: some weight moves to the buyer, and the disagreement needs a person.'
        : 'The installer reports misuse: some weight moves to the buyer, but a witness alone never decides against the buyer.',
      strength(0.5 * f.installerMisuse, { witness: true, conflict: disputed }),
    );
  },
};
