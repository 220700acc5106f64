import { bindNamed, compileNamed, sql } from '../../subgraphs/kit/sql';

describe('named SQL parameters (ADR 0022)', () => {
  it('turns each :name into a placeholder, in order, a name used twice bound twice', () => {
    const st = sql<{ id: string; owner: string }>('update t set owner = :owner where id = :id and owner <> :owner');
    expect(st.compiled).toBe('update t set owner = ? where id = ? and owner <> ?');
    expect(bindNamed(st, { id: 'a', owner: 'b' })).toEqual(['b', 'a', 'b']);
  });

  it('leaves casts, quoted text, identifiers and comments alone, and escapes literal question marks', () => {
    const { compiled, order } = compileNamed(
      `select x::text, '12:30 :notParam ?', "col:name", data ? 'k' -- :comment ?
       /* :block ? */ from t where ids = any(:ids::text[]) and s = 'it''s :no'`,
    );
    expect(order).toEqual(['ids']);
    expect(compiled).toContain("x::text, '12:30 :notParam \\?'");
    expect(compiled).toContain('"col:name", data \\? \'k\' -- :comment \\?');
    expect(compiled).toContain('/* :block \\? */');
    expect(compiled).toContain("any(?::text[]) and s = 'it''s :no'");
  });

  it('refuses values for unknown names, missing names and undefined (null is a value)', () => {
    const st = sql<{ id: string; note: string | null }>('update t set note = :note where id = :id');
    expect(bindNamed(st, { id: 'a', note: null })).toEqual([null, 'a']);
    expect(() => bindNamed(st, { id: 'a' } as never)).toThrow(/needs a value for :note/);
    expect(() => bindNamed(st, { id: 'a', note: undefined } as never)).toThrow(/needs a value for :note/);
    expect(() => bindNamed(st, { id: 'a', note: null, other: 1 } as never)).toThrow(/no parameter :other/);
  });

  it('shapes rows through a projection', () => {
    const st = sql<{ id: string }, { at: Date }>('select at from t where id = :id', {
      row: { columns: 'at', fromRow: (r) => ({ at: new Date(String(r.at)) }) },
    });
    expect(st.fromRow?.({ at: '2026-01-01T00:00:00Z' })).toEqual({ at: new Date('2026-01-01T00:00:00Z') });
  });
});
