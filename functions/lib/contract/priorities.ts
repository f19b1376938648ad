/** How soon a case needs a person: a safety hazard (leak, shock, fire) is URGENT. */
export const priorities = ['URGENT', 'NORMAL'] as const;
export type Priority = (typeof priorities)[number];
