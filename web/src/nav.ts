/** The screens and who finds them in the navigation (the API decides what each may read). */
import type { EmployeeRole } from '../../schema/operations/generated';

export interface Screen {
  path: string;
  title: string;
  roles: readonly EmployeeRole[];
}

export const SCREENS: readonly Screen[] = [
  { path: '/dashboard', title: 'Dashboard', roles: ['ADMIN', 'MANAGER'] },
  { path: '/reports', title: 'Sales report', roles: ['ADMIN', 'MANAGER'] },
  { path: '/stock', title: 'Stock', roles: ['ADMIN', 'MANAGER', 'CLERK'] },
  { path: '/replenishment', title: 'Replenishment', roles: ['ADMIN', 'MANAGER', 'CLERK'] },
  { path: '/till', title: 'Till', roles: ['MANAGER', 'CLERK'] },
];

/** Where a role starts: the till for a clerk, the dashboard for the others. */
export function homeOf(role: EmployeeRole): string {
  return role === 'CLERK' ? '/till' : '/dashboard';
}
