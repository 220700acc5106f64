/** The shell: sign-in until there is a session, then the header, the navigation and one screen. */
import { lazy, Suspense, useEffect } from 'react';
import type { ApolloClient } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import type { WebConfig } from './config';
import { homeOf, SCREENS } from './nav';
import { Link, navigate, useLocation } from './router';
import { Dashboard } from './screens/dashboard';
import { Replenishment } from './screens/replenishment';
import { SignIn } from './screens/sign-in';
import { Stock } from './screens/stock';
import { Till } from './screens/till';
import { ROLE_NAMES, SessionProvider, useSession } from './session';
import { Loading } from './components/ui';

// The charts (ECharts) load with the sales report only.
const SalesReportScreen = lazy(() => import('./screens/sales-report').then((m) => ({ default: m.SalesReportScreen })));

export function App({ config, client }: { config: WebConfig; client: ApolloClient }) {
  return (
    <ApolloProvider client={client}>
      <SessionProvider onSignOut={() => void client.clearStore()}>
        <Shell config={config} />
      </SessionProvider>
    </ApolloProvider>
  );
}

function Shell({ config }: { config: WebConfig }) {
  const { session, signOut } = useSession();
  const { path } = useLocation();
  const screen = SCREENS.find((s) => s.path === path);

  useEffect(() => {
    if (session && !screen) navigate(homeOf(session.employee.role), { replace: true });
  }, [session, screen]);

  useEffect(() => {
    document.title = session && screen ? `${screen.title} · Back office` : 'Sign in · Back office';
  }, [session, screen]);

  if (!session) return <SignIn />;
  const { employee } = session;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <p className="brand">Back office</p>
        <nav aria-label="Screens" className="screens">
          <ul>
            {SCREENS.filter((s) => s.roles.includes(employee.role)).map((s) => (
              <li key={s.path}>
                <Link to={s.path} aria-current={s.path === path ? 'page' : undefined}>
                  {s.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <p>
            <span className="who-name">{employee.name}</span>{' '}
            <span className="role" data-role={employee.role}>
              {ROLE_NAMES[employee.role]}
            </span>
            {employee.store ? <span className="who-store"> · {employee.store.name}</span> : null}
          </p>
          <button type="button" className="secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {path === '/dashboard' ? <Dashboard refreshMs={config.dashboardRefreshMs} /> : null}
        {path === '/reports' ? (
          <Suspense fallback={<Loading what="the sales report" />}>
            <SalesReportScreen />
          </Suspense>
        ) : null}
        {path === '/stock' ? <Stock /> : null}
        {path === '/replenishment' ? <Replenishment /> : null}
        {path === '/till' ? <Till /> : null}
      </main>
    </div>
  );
}
