import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'installer-confirms-defect',
  version: '1.0.0',
  reasonCode: 'INSTALLER_CONFIRMS_DEFECT',
  description: "An installer's report of a defect corroborates the buyer's photos; a witness, not a decision maker.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const installerConfirmsDefect: Rule = {
  ...meta,
  evaluate(f) {
    if (f.installerDefect === 0 || (f.productDamaged === 0 && f.productDefective === 0)) return notFired;
    // With signs of transit damage the installer's finding says nothing about who caused it.
    if (f.packagingDamaged > 0 || f.scanDamage) return notFired;
    if (f.buyerDeclared) return contradictsBuyerReason(f, 'An installer found a defect');
    return fire(
      toSeller(0.3 * f.installerDefect),
      'The installer found a defect, confirming the photos: corroborating testimony for a product defect.',
      strength(0.5 * f.installerDefect, { witness: true }),
    );
  },
};
