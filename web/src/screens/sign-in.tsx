/** Staff sign in with their email and password (staffLogin); the token lives as long as the tab. */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { StaffLoginDocument } from '../../../schema/operations/generated';
import { FieldErrors, FormErrors, ProblemMessage, TextField } from '../errors';
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
        <TextField
          id="email"
          label="Email"
          value={email}
          onChange={setEmail}
          errors={errors}
          field="input.email"
          input={{ type: 'email', autoComplete: 'username', required: true }}
        />
        <TextField
          id="password"
          label="Password"
          value={password}
          onChange={setPassword}
          errors={errors}
          field="input.password"
          input={{ type: 'password', autoComplete: 'current-password', required: true }}
        />
        <FormErrors errors={errors} shown={FIELDS} />
        {failure ? <ProblemMessage error={failure} /> : null}
        <button type="submit" disabled={loading}>
          {loading ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
