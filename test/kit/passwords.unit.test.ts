import { burnVerification, hashPassword, needsRehash, parseHash, verifyPassword } from '../../subgraphs/kit/passwords';

describe('password hashing (scrypt)', () => {
  it('stores a versioned string with parameters, salt and key, never the password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$scrypt\$v=1\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct horse battery');
    const parsed = parseHash(hash);
    expect(parsed?.params).toEqual({ N: 16384, r: 8, p: 1 });
    expect(parsed?.salt.length).toBe(16);
    expect(parsed?.key.length).toBe(64);
  });

  it('uses a random salt: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same-password'), hashPassword('same-password')]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('s3cret-passphrase');
    await expect(verifyPassword('s3cret-passphrase', hash)).resolves.toBe(true);
    await expect(verifyPassword('s3cret-passphrasE', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('treats Unicode compatibility forms as the same password (NFKC)', async () => {
    const hash = await hashPassword('ﬁlet-mignon');
    await expect(verifyPassword('filet-mignon', hash)).resolves.toBe(true);
  });

  it('refuses unreadable or absurd stored hashes instead of throwing or allocating', async () => {
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
    await expect(verifyPassword('x', '$scrypt$v=1$N=3,r=8,p=1$AAAAAAAAAAAAAAAA$AAAA')).resolves.toBe(false);
    expect(parseHash('$scrypt$v=1$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$' + 'A'.repeat(88))).toBeNull();
    expect(parseHash('$scrypt$v=2$N=16384,r=8,p=1$AAAA$AAAA')).toBeNull();
  });

  it('verifies hashes made with other (older) parameters and flags them for rehash', async () => {
    const weak = await hashPassword('old-password', { N: 1024, r: 8, p: 1 });
    await expect(verifyPassword('old-password', weak)).resolves.toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('new-password'))).toBe(false);
  });

  it('does not block the event loop while hashing (async scrypt on the thread pool)', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    await Promise.all([hashPassword('a-password-1'), hashPassword('a-password-2')]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('spends a verification on unknown accounts and always says no', async () => {
    await expect(burnVerification('whatever-it-is')).resolves.toBe(false);
  });
});
