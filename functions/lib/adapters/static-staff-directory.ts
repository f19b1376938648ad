import type { StaffDirectory } from '../ports/staff-directory.ts';

/**
 * Staff listed in configuration: the local runtime's dev users and tests. A `*` entry lists
 * users who count as staff of every seller (local development only, where tokens for any
 * seller are minted by `npm run token`).
 */
export class StaticStaffDirectory implements StaffDirectory {
  readonly #bySeller: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(staff: Readonly<Record<string, readonly string[]>>) {
    this.#bySeller = new Map(Object.entries(staff).map(([seller, users]) => [seller, new Set(users)]));
  }

  async isStaffOf(sellerId: string, userId: string): Promise<boolean> {
    return this.#bySeller.get(sellerId)?.has(userId) === true || this.#bySeller.get('*')?.has(userId) === true;
  }
}
