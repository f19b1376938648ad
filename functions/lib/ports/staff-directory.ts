/**
 * Who works for a seller. Assigning a case to someone checks here that the assignee is a
 * staff member of the caller's own seller, so a case can never be handed across tenants.
 */
export interface StaffDirectory {
  /** True when `userId` is an active staff member of `sellerId`. */
  isStaffOf(sellerId: string, userId: string): Promise<boolean>;
}
