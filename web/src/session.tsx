/**
 * Who is signed in: the token staffLogin gave and the employee it names, kept in sessionStorage only
 * (gone when the tab closes; never in localStorage or a cookie), and shared with the Apollo Client
 * through `currentToken`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { EmployeeRole } from '../../schema/operations/generated';

export interface StaffSession {
  token: string;
  employee: { id: string; name: string; role: EmployeeRole; store: { id: string; name: string } | null };
}

const KEY = 'backoffice.session';

export function readSession(): StaffSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StaffSession) : null;
  } catch {
    return null;
  }
}

let current: StaffSession | null = readSession();

/** The token of the session, for the Apollo Client's requests. */
export function currentToken(): string | null {
  return current?.token ?? null;
}

interface SessionApi {
  session: StaffSession | null;
  /** Why the last session ended when the app ended it (an expired token), for the sign-in screen. */
  endedBecause: string | null;
  signIn: (session: StaffSession) => void;
  signOut: (because?: string) => void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const [session, setSession] = useState<StaffSession | null>(current);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const signIn = useCallback((next: StaffSession) => {
    current = next;
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setEndedBecause(null);
    setSession(next);
  }, []);
  const signOut = useCallback(
    (because?: string) => {
      current = null;
      sessionStorage.removeItem(KEY);
      setEndedBecause(because ?? null);
      setSession(null);
      onSignOut();
    },
    [onSignOut],
  );
  useSessionEnd(signOut);
  const api = useMemo(() => ({ session, endedBecause, signIn, signOut }), [session, endedBecause, signIn, signOut]);
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession outside SessionProvider');
  return api;
}

/** The signed-in employee (screens behind sign-in only). */
export function useStaff(): StaffSession['employee'] {
  const { session } = useSession();
  if (!session) throw new Error('useStaff without a session');
  return session.employee;
}

export const ROLE_NAMES: Record<EmployeeRole, string> = {
  ADMIN: 'Head office',
  MANAGER: 'Store manager',
  CLERK: 'Clerk',
};

const ENDED = 'backoffice:session-ended';

/** Ends the session from outside React (the Apollo link that sees UNAUTHENTICATED). */
export function endSession(because: string): void {
  window.dispatchEvent(new CustomEvent(ENDED, { detail: because }));
}

/** Listens for endSession while the provider is mounted. */
export function useSessionEnd(signOut: (because?: string) => void): void {
  useEffect(() => {
    const onEnded = (event: Event) => signOut(String((event as CustomEvent).detail));
    window.addEventListener(ENDED, onEnded);
    return () => window.removeEventListener(ENDED, onEnded);
  }, [signOut]);
}
