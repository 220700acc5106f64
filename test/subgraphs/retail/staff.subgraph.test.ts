/**
 * Staff accounts against real PostgreSQL and Redis (token revocation): staffLogin's JWT and its one
 * answer for every failure, head office's management (create, deactivate, change role) with the
 * tokens it revokes, and who may see which staff.
 */
import { verifyToken } from '../../../subgraphs/kit';
import { tokens } from '../../helpers/toolkit';
import { DEMO_STAFF, DEMO_STAFF_PASSWORD } from '../../../subgraphs/retail/seed';
import { useTestRetail, type UserErrorAnswer } from './helpers';

const LOGIN = `mutation($input: StaffLoginInput!) {
  staffLogin(input: $input) { token employee { id role store { id } } errors { code field message } }
}`;
const CREATE = `mutation($input: CreateEmployeeInput!) {
  createEmployee(input: $input) { employee { id name email role active store { id } } errors { code field } }
}`;
const DEACTIVATE = `mutation($input: DeactivateEmployeeInput!) {
  deactivateEmployee(input: $input) { employee { id active } errors { code } }
}`;
const CHANGE_ROLE = `mutation($input: ChangeEmployeeRoleInput!) {
  changeEmployeeRole(input: $input) { employee { id role store { id } } errors { code } }
}`;
const ME = 'query { currentEmployee { id role } }';

interface LoginPayload {
  staffLogin: {
    token: string | null;
    employee: { id: string; role: string; store: { id: string } | null } | null;
    errors: { code: string }[];
  };
}

describe('staff accounts (retail subgraph)', () => {
  const t = useTestRetail();
  const admin = tokens.admin();

  const login = (email: string, password = DEMO_STAFF_PASSWORD) =>
    t.gql<LoginPayload>(LOGIN, { input: { email, password } });

  /** A new account made by head office, with the password `long-enough`; its id. */
  const hire = async (input: { name: string; email: string; role: string; storeId: string }) => {
    const made = await t.gql<{ createEmployee: { employee: { id: string } } }>(
      CREATE,
      { input: { ...input, password: 'long-enough' } },
      { token: admin },
    );
    return made.body.data!.createEmployee.employee.id;
  };

  it('staffLogin issues a staff JWT with the role and the store in its claims', async () => {
    const manager = DEMO_STAFF.find((e) => e.role === 'MANAGER' && e.storeId === 'store-3')!;
    const res = await login(manager.email.toUpperCase());
    const payload = res.body.data!.staffLogin;
    expect(payload.errors).toEqual([]);
    expect(payload.employee).toEqual({ id: manager.id, role: 'MANAGER', store: { id: 'store-3' } });
    expect(verifyToken(payload.token!)).toEqual({ sub: manager.id, role: 'MANAGER', storeId: 'store-3' });

    const head = await login('admin@staff.example.com');
    expect(verifyToken(head.body.data!.staffLogin.token!)).toEqual({ sub: 'emp-admin', role: 'ADMIN' });
    const me = await t.gql<{ currentEmployee: { id: string } }>(ME, {}, { token: payload.token! });
    expect(me.body.data!.currentEmployee).toEqual({ id: manager.id, role: 'MANAGER' });
  });

  it('an unknown email, a wrong password and an over-long one get the same answer', async () => {
    for (const [email, password] of [
      ['nobody@staff.example.com', DEMO_STAFF_PASSWORD],
      ['clerk1a@staff.example.com', 'wrong-password'],
      ['clerk1a@staff.example.com', 'x'.repeat(201)],
      ['x'.repeat(255), DEMO_STAFF_PASSWORD],
    ] as const) {
      const res = await login(email, password);
      expect(res.body.data!.staffLogin).toEqual({
        token: null,
        employee: null,
        errors: [{ code: 'INVALID_CREDENTIALS', field: null, message: 'Email or password is incorrect' }],
      });
    }
  });

  it('head office creates accounts; the rules of each field are UserErrors and nothing is written', async () => {
    const created = await t.gql<{
      createEmployee: {
        employee: {
          id: string;
          name: string;
          email: string;
          role: string;
          active: boolean;
          store: { id: string } | null;
        };
        errors: UserErrorAnswer[];
      };
    }>(
      CREATE,
      {
        input: {
          name: ' Zoé Tremblay ',
          email: 'Zoe@Staff.example.com',
          role: 'CLERK',
          storeId: 'store-2',
          password: 'long-enough',
        },
      },
      { token: admin },
    );
    expect(created.body.data!.createEmployee).toEqual({
      employee: {
        id: expect.stringMatching(/^emp-/),
        name: 'Zoé Tremblay',
        email: 'Zoe@Staff.example.com',
        role: 'CLERK',
        active: true,
        store: { id: 'store-2' },
      },
      errors: [],
    });
    expect((await login('zoe@staff.example.com', 'long-enough')).body.data!.staffLogin.employee?.role).toBe('CLERK');

    const counts = await t.counts();
    const sam = {
      name: 'Sam',
      email: 'sam@staff.example.com',
      role: 'CLERK',
      storeId: 'store-1',
      password: 'long-enough',
    };
    const codes = async (input: Record<string, unknown>) =>
      (
        await t.gql<{ createEmployee: { errors: { code: string; field: string[] }[] } }>(
          CREATE,
          { input: { ...sam, ...input } },
          { token: admin },
        )
      ).body.data!.createEmployee.errors.map((e) => e.code);
    expect(await codes({ email: 'ZOE@staff.example.com' })).toEqual(['EMAIL_TAKEN']);
    expect(await codes({ role: 'ADMIN' })).toEqual(['INVALID_STORE']);
    expect(await codes({ storeId: null })).toEqual(['INVALID_STORE']);
    expect(await codes({ storeId: 'store-99' })).toEqual(['UNKNOWN_STORE']);
    expect(await codes({ password: 'short' })).toEqual(['WEAK_PASSWORD']);
    expect(await codes({ name: '  ', email: 'not-an-email' })).toEqual(['INVALID_NAME', 'INVALID_EMAIL']);
    expect(await codes({ name: 'x'.repeat(101) })).toEqual(['INVALID_NAME']);
    expect(await t.counts()).toEqual(counts);

    const byManager = await t.gql(CREATE, { input: sam }, { token: tokens.manager('store-1') });
    expect(byManager.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("a deactivated employee's tokens are refused at the next request, and they cannot sign in", async () => {
    const id = await hire({ name: 'Gone Soon', email: 'gone@staff.example.com', role: 'MANAGER', storeId: 'store-4' });
    await t.gql(
      'mutation($input: UpdateStoreInput!) { updateStore(input: $input) { errors { code } } }',
      { input: { storeId: 'store-4', managerId: id } },
      { token: admin },
    );
    const token = (await login('gone@staff.example.com', 'long-enough')).body.data!.staffLogin.token!;
    expect((await t.gql(ME, {}, { token })).body.data).toEqual({ currentEmployee: { id, role: 'MANAGER' } });

    const self = await t.gql<{ deactivateEmployee: { errors: { code: string }[] } }>(
      DEACTIVATE,
      { input: { employeeId: 'emp-admin' } },
      { token: tokens.admin('emp-admin') },
    );
    expect(self.body.data!.deactivateEmployee.errors.map((e) => e.code)).toEqual(['CANNOT_CHANGE_SELF']);

    const done = await t.gql(DEACTIVATE, { input: { employeeId: id } }, { token: admin });
    expect(done.body.data).toEqual({ deactivateEmployee: { employee: { id, active: false }, errors: [] } });
    const refused = await t.gql(ME, {}, { token });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]).toMatchObject({
      message: 'token revoked',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(
      (await login('gone@staff.example.com', 'long-enough')).body.data!.staffLogin.errors.map((e) => e.code),
    ).toEqual(['INVALID_CREDENTIALS']);
    // No longer the store's manager.
    const [store] = await t.sql<{ manager_id: string | null }>("select manager_id from stores where id = 'store-4'");
    expect(store!.manager_id).toBeNull();
    const unknown = await t.gql<{ deactivateEmployee: { errors: { code: string }[] } }>(
      DEACTIVATE,
      { input: { employeeId: 'emp-nope' } },
      { token: admin },
    );
    expect(unknown.body.data!.deactivateEmployee.errors.map((e) => e.code)).toEqual(['UNKNOWN_EMPLOYEE']);
  });

  it('a role change revokes the tokens held; signing in again gives the new role', async () => {
    const id = await hire({
      name: 'Rising Star',
      email: 'rising@staff.example.com',
      role: 'CLERK',
      storeId: 'store-5',
    });
    const token = (await login('rising@staff.example.com', 'long-enough')).body.data!.staffLogin.token!;
    const toAdminWithStore = await t.gql<{ changeEmployeeRole: { errors: { code: string }[] } }>(
      CHANGE_ROLE,
      { input: { employeeId: id, role: 'ADMIN', storeId: 'store-5' } },
      { token: admin },
    );
    expect(toAdminWithStore.body.data!.changeEmployeeRole.errors.map((e) => e.code)).toEqual(['INVALID_STORE']);
    expect((await t.gql(ME, {}, { token })).status).toBe(200);

    const promoted = await t.gql(CHANGE_ROLE, { input: { employeeId: id, role: 'MANAGER' } }, { token: admin });
    expect(promoted.body.data).toEqual({
      changeEmployeeRole: { employee: { id, role: 'MANAGER', store: { id: 'store-5' } }, errors: [] },
    });
    expect((await t.gql(ME, {}, { token })).status).toBe(401);
    // Revocation has seconds resolution: a token of the same second as the change is refused too.
    await new Promise((r) => setTimeout(r, 1100));
    const again = (await login('rising@staff.example.com', 'long-enough')).body.data!.staffLogin.token!;
    expect(verifyToken(again)).toEqual({ sub: id, role: 'MANAGER', storeId: 'store-5' });
    expect((await t.gql(ME, {}, { token: again })).body.data).toEqual({ currentEmployee: { id, role: 'MANAGER' } });
  });

  it('a manager lists their own store staff; clerks and other stores are FORBIDDEN; ADMIN sees all', async () => {
    const LIST = `query($storeId: ID, $after: String) {
      employees(storeId: $storeId, first: 2, after: $after) { totalCount edges { node { id name store { id } } } pageInfo { hasNextPage endCursor } }
    }`;
    type List = {
      employees: {
        totalCount: number;
        edges: { node: { id: string; store: { id: string } } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const own = await t.gql<List>(LIST, {}, { token: tokens.manager('store-1') });
    expect(own.body.data!.employees.totalCount).toBe(3);
    expect(own.body.data!.employees.pageInfo.hasNextPage).toBe(true);
    const rest = await t.gql<List>(
      LIST,
      { after: own.body.data!.employees.pageInfo.endCursor },
      { token: tokens.manager('store-1') },
    );
    const ids = [...own.body.data!.employees.edges, ...rest.body.data!.employees.edges].map((e) => e.node.id).sort();
    expect(ids).toEqual(['emp-store-1-clerk-1', 'emp-store-1-clerk-2', 'emp-store-1-manager']);

    for (const [token, storeId] of [
      [tokens.manager('store-2'), 'store-1'],
      [tokens.clerk('store-1'), 'store-1'],
      [tokens.clerk('store-2'), null],
    ] as const) {
      const res = await t.gql(LIST, { storeId }, { token });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const all = await t.gql<List>(LIST, {}, { token: admin });
    expect(all.body.data!.employees.totalCount).toBeGreaterThanOrEqual(16);

    const one = 'query($id: ID!) { employee(id: $id) { id email } }';
    expect((await t.gql(one, { id: 'emp-store-1-clerk-1' }, { token: tokens.clerk('store-1') })).body.data).toEqual({
      employee: { id: 'emp-store-1-clerk-1', email: 'clerk1a@staff.example.com' },
    });
    const foreign = await t.gql(one, { id: 'emp-store-1-clerk-1' }, { token: tokens.clerk('store-2') });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.gql(one, { id: 'emp-store-1-clerk-1' });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(ME, {}, { token: tokens.customer() })).body.data).toEqual({ currentEmployee: null });
  });
});
