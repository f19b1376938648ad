import { describe, expect, it } from 'vitest';
import { InvalidPolicyError, PolicySchema, defaultPolicy, parsePolicy, type Policy } from '#lib/decision/policy.ts';

// Policy documents are untyped JSON until parsed; tests edit them freely.
type Json = Record<string, any>;

/** A deep copy of the default policy, changed by `edit`, as plain JSON (what storage returns). */
function variant(edit: (p: Json) => void): unknown {
  const json = JSON.parse(JSON.stringify(defaultPolicy)) as Json;
  edit(json);
  return json;
}

function issuesOf(json: unknown): { path: string; message: string }[] {
  try {
    parsePolicy(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPolicyError);
    return (error as InvalidPolicyError).issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }
  throw new Error('expected the policy to be rejected');
}

describe('default policy', () => {
  it('is valid and round-trips through JSON unchanged', () => {
    expect(PolicySchema.safeParse(defaultPolicy).success).toBe(true);
    expect(parsePolicy(JSON.parse(JSON.stringify(defaultPolicy)))).toEqual(defaultPolicy);
  });

  it('carries the domain defaults other modules read', () => {
    const p: Policy = defaultPolicy;
    expect(p.version).toBe('2026-12-03.1');
    expect(p.marketplace).toBe('default');
    expect(p.returnWindow).toEqual({ defaultDays: 7, honourListingWindow: true });
    expect(p.noReasonReturnShippingPaidBy).toBe('BUYER');
    expect(p.compensation.CNY?.bands).toEqual({
      SAME_CITY: { min: 0, max: 1_000 },
      OTHER_PROVINCE: { min: 1_000, max: 1_500 },
      CROSS_BORDER: { min: 1_500, max: 3_000 },
      HIGH_VALUE: { min: 2_000, max: 5_000 },
    });
    expect(Object.keys(p.compensation)).toEqual(expect.arrayContaining(['CNY', 'EUR']));
    expect(Object.keys(p.authorityLimits)).toEqual(expect.arrayContaining(['CNY', 'EUR']));
    expect(p.manualReviewConfidenceThreshold).toBe(0.6);
    expect(p.serviceLevels.firstResponseMinutes).toEqual({ URGENT: 120, NORMAL: 1_440 });
    expect(Object.keys(p.serviceLevels.resolutionMinutes)).toEqual(['agent', 'supervisor', 'manager']);
    expect(p.defaultResolutionAfterLastLevel).toBe('BUYER_WINS_FULL_REFUND');
  });
});

describe('policy validation', () => {
  it('rejects an unknown top-level key and names it', () => {
    const issues = issuesOf(variant((p) => (p.manualReviewConfidenceTreshold = 0.5)));
    expect(issues).toEqual([{ path: 'manualReviewConfidenceTreshold', message: 'unknown key "manualReviewConfidenceTreshold"' }]);
  });

  it('rejects unknown keys deep inside, with their full path', () => {
    const issues = issuesOf(
      variant((p) => {
        p.compensation.CNY.bands.SAME_CITY.average = 500;
        p.serviceLevels.firstResponseMinutes.LOW = 4_000;
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'compensation.CNY.bands.SAME_CITY.average', message: 'unknown key "average"' },
        { path: 'serviceLevels.firstResponseMinutes.LOW', message: 'unknown key "LOW"' },
      ]),
    );
  });

  it('puts every issue in the error message with its path', () => {
    try {
      parsePolicy(variant((p) => (p.surprise = true)));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPolicyError);
      expect((error as Error).name).toBe('InvalidPolicyError');
      expect((error as Error).message).toContain('surprise: unknown key "surprise"');
    }
  });

  it.each([
    [
      'a compensation band whose min exceeds its max',
      (p: Json) => {
        p.compensation.CNY.bands.OTHER_PROVINCE = { min: 2_000, max: 1_000 };
      },
      'compensation.CNY.bands.OTHER_PROVINCE.min',
      'min (2000) must not exceed max (1000)',
    ],
    [
      'a confidence threshold above 1',
      (p: Json) => {
        p.manualReviewConfidenceThreshold = 1.2;
      },
      'manualReviewConfidenceThreshold',
      'manualReviewConfidenceThreshold must be between 0 and 1',
    ],
    [
      'a negative confidence threshold',
      (p: Json) => {
        p.manualReviewConfidenceThreshold = -0.1;
      },
      'manualReviewConfidenceThreshold',
      'manualReviewConfidenceThreshold must be between 0 and 1',
    ],
    [
      'a supervisor allowed less than an agent',
      (p: Json) => {
        p.authorityLimits.EUR.supervisor = 5_000;
      },
      'authorityLimits.EUR.supervisor',
      'supervisor limit (5000) must not be below the agent limit (10000)',
    ],
    [
      'a manager allowed less than a supervisor',
      (p: Json) => {
        p.authorityLimits.CNY.manager = 1_000;
      },
      'authorityLimits.CNY.manager',
      'manager limit (1000) must not be below the supervisor limit (500000)',
    ],
    [
      'an urgent response slower than a normal one',
      (p: Json) => {
        p.serviceLevels.firstResponseMinutes = { URGENT: 2_000, NORMAL: 1_440 };
      },
      'serviceLevels.firstResponseMinutes.URGENT',
      'URGENT first response (2000 min) must not be slower than NORMAL (1440 min)',
    ],
    [
      'a zero-minute resolution deadline',
      (p: Json) => {
        p.serviceLevels.resolutionMinutes.agent = 0;
      },
      'serviceLevels.resolutionMinutes.agent',
      'agent resolution must be at least 1 minute',
    ],
    [
      'a fractional minute count',
      (p: Json) => {
        p.serviceLevels.resolutionMinutes.manager = 10.5;
      },
      'serviceLevels.resolutionMinutes.manager',
      'manager resolution must be a whole number of minutes',
    ],
    [
      'a negative return window',
      (p: Json) => {
        p.returnWindow.defaultDays = -1;
      },
      'returnWindow.defaultDays',
      'defaultDays must not be negative',
    ],
    [
      'a malformed version',
      (p: Json) => {
        p.version = 'latest';
      },
      'version',
      'must look like 2026-11-01.1 (date, dot, revision)',
    ],
    [
      'a currency code that is not ISO 4217',
      (p: Json) => {
        p.authorityLimits.eur = p.authorityLimits.EUR;
      },
      'authorityLimits.eur',
      'invalid key "eur": must be an ISO 4217 code such as EUR',
    ],
    [
      'compensation in a currency nobody may approve',
      (p: Json) => {
        delete p.authorityLimits.EUR;
      },
      'authorityLimits.EUR',
      'authority limits missing for EUR, which has compensation bands',
    ],
    [
      'money in fractional minor units',
      (p: Json) => {
        p.compensation.EUR.highValueThreshold = 499.5;
      },
      'compensation.EUR.highValueThreshold',
      null,
    ],
  ] satisfies [string, (p: Json) => void, string, string | null][])('rejects %s with a clear message', (_name, edit, path, message) => {
    const issues = issuesOf(variant(edit));
    expect(issues.map((i) => i.path)).toContain(path);
    if (message !== null) expect(issues).toContainEqual({ path, message });
  });

  it('rejects things that are not a policy at all', () => {
    expect(() => parsePolicy(null)).toThrow(InvalidPolicyError);
    expect(() => parsePolicy('{}')).toThrow(InvalidPolicyError);
    expect(issuesOf({}).map((i) => i.path)).toEqual(expect.arrayContaining(['version', 'marketplace', 'serviceLevels']));
  });

  it('accepts a marketplace-specific variant with an extra currency', () => {
    const p = parsePolicy(
      variant((json) => {
        json.version = '2027-01-15.3';
        json.marketplace = 'tmall-cn';
        json.compensation.GBP = {
          highValueThreshold: 40_000,
          bands: {
            SAME_CITY: { min: 0, max: 400 },
            OTHER_PROVINCE: { min: 400, max: 700 },
            CROSS_BORDER: { min: 700, max: 1_200 },
            HIGH_VALUE: { min: 1_200, max: 3_500 },
          },
        };
        json.authorityLimits.GBP = { agent: 8_000, supervisor: 80_000, manager: 800_000 };
      }),
    );
    expect(p.compensation.GBP?.bands.HIGH_VALUE.max).toBe(3_500);
  });
});
