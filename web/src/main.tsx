import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './apollo';
import { App } from './app';
import { loadConfig } from './config';
import { currentToken, endSession } from './session';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

loadConfig().then(
  (config) => {
    const client = createClient(config, {
      token: currentToken,
      onUnauthenticated: () => endSession('Your session has ended. Sign in again.'),
    });
    root.render(
      <StrictMode>
        <App config={config} client={client} />
      </StrictMode>,
    );
  },
  (err: unknown) => {
    root.render(
      <main className="boot-failure" role="alert">
        <h1>The back office cannot start</h1>
        <p>Its settings could not be read from the server: {err instanceof Error ? err.message : String(err)}</p>
      </main>,
    );
  },
);
