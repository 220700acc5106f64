/**
 * The store a screen is about: head office picks any store (or, where it makes sense, the whole
 * chain); store staff see their own store, fixed, because the API answers them about no other.
 */
import { useStores } from '../stores';
import { useStaff } from '../session';

export function StorePicker({
  id,
  value,
  onChange,
  allowChain,
  describedBy,
  invalid,
}: {
  id: string;
  value: string | null;
  onChange: (storeId: string | null) => void;
  allowChain: boolean;
  describedBy?: string;
  invalid?: boolean;
}) {
  const staff = useStaff();
  const { stores, name } = useStores();
  // Store staff's screens are about their store (or, from a link, the store the address names).
  const fixedId = staff.role !== 'ADMIN' && staff.store ? (value ?? staff.store.id) : null;
  return (
    <div className="field">
      <label htmlFor={id}>Store</label>
      <select
        id={id}
        value={fixedId ?? value ?? ''}
        disabled={fixedId !== null}
        onChange={(e) => onChange(e.target.value || null)}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
      >
        {fixedId !== null ? (
          <option value={fixedId}>{name(fixedId)}</option>
        ) : (
          <>
            {allowChain ? <option value="">Whole chain</option> : null}
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </>
        )}
      </select>
    </div>
  );
}

/**
 * The store a screen shows: staff's own (whatever the address says, so a link from head office
 * still opens on their store), head office's choice, else the first store where one is required.
 */
export function useScreenStore(fromAddress: string | null, allowChain: boolean): string | null {
  const staff = useStaff();
  const { stores } = useStores();
  if (staff.role !== 'ADMIN' && staff.store) return fromAddress ?? staff.store.id;
  if (fromAddress) return fromAddress;
  return allowChain ? null : (stores[0]?.id ?? null);
}
