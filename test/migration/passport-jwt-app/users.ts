// The app's users, as a typical passport-jwt app keeps them (a database in production).
export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly role: 'admin' | 'member';
}

const USERS = new Map<string, User>([
  ['1', { id: '1', name: 'ada', email: 'ada@shop.example', password: 'lovelace', role: 'admin' }],
  ['2', { id: '2', name: 'bob', email: 'bob@shop.example', password: 'builder', role: 'member' }],
]);

export const findUserById = async (id: unknown): Promise<User | undefined> =>
  typeof id === 'string' ? USERS.get(id) : undefined;

export const findUserByName = async (name: unknown): Promise<User | undefined> =>
  [...USERS.values()].find((user) => user.name === name);

/** Deletes a user (an account closed while its token still runs). */
export const deleteUser = (id: string): boolean => USERS.delete(id);

export const restoreUser = (user: User): void => void USERS.set(user.id, user);

/** What the API shows of a user: never the password. */
export const publicUser = ({ id, name, role }: User): { id: string; name: string; role: string } => ({
  id,
  name,
  role,
});
