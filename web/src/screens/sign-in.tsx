/** Staff sign in with their email and password (staffLogin); the token lives as long as the tab. */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { StaffLoginDocument } from '../../../schema/operations/generated';
import { FieldError, FieldErrors, FormErrors, ProblemMessage } from '../errors';
import { useSession } from '../session';
import { navigate } from '../router';
import { homeOf } from '../nav';

const FIELDS = ['input.email', 'input.password'];

export function SignIn() {
  const { signIn, endedBecause } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState(FieldErrors.none('retail'));
  const [failure, setFailure] = useState<unknown>(null);
  const [login, { loading }] = useMutation(StaffLoginDocument);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    try {
      const { data } = await login({ variables: { input: { email: email.trim(), password } } });
      const payload = data?.staffLogin;
      if (!payload) return;
      setErrors(new FieldErrors('retail', payload.errors));
      if (payload.token && payload.employee) {
        const { id, name, role, store } = payload.employee;
        signIn({
          token: payload.token,
          employee: { id, name, role, store: store ? { id: store.id, name: store.name } : null },
        });
        if (window.location.pathname === '/' || window.location.pathname === '/sign-in') navigate(homeOf(role));
      }
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Back office</h1>
      <p className="lede">Head office, store managers and clerks: sign in with your staff account.</p>
      {endedBecause ? (
        <p className="notice" role="status">
          {endedBecause}
        </p>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={errors.of('input.email').length > 0}
            aria-describedby="email-error"
            required
          />
          <FieldError errors={errors} field="input.email" id="email-error" />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={errors.of('input.password').length > 0}
            aria-describedby="password-error"
            required
          />
          <FieldError errors={errors} field="input.password" id="password-error" />
        </div>
        <FormErrors errors={errors} shown={FIELDS} />
        {failure ? <ProblemMessage error={failure} /> : null}
        <button type="submit" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
