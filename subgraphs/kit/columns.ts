/**
 * Column descriptions that entities.ts files (ADR 0003) spread into their EntitySchemas, so that a
 * column kind every subgraph has is described one way. entities.ts imports this file directly (not
 * the kit's barrel): domain code reaches entities.ts at run time and must not load the GraphQL host.
 */

export const text = { type: 'string', columnType: 'text' } as const;
export const optionalText = { ...text, nullable: true } as const;
export const integer = { type: 'integer', columnType: 'integer' } as const;
export const optionalInteger = { ...integer, nullable: true } as const;
export const instant = { type: 'Date', columnType: 'timestamptz' } as const;

/** created_at set once, updated_at on every ORM update (lean SQL writes set `updated_at = now()` themselves). */
export const timestamps = {
  createdAt: { ...instant, fieldName: 'created_at', defaultRaw: 'now()', onCreate: () => new Date() },
  updatedAt: {
    ...instant,
    fieldName: 'updated_at',
    defaultRaw: 'now()',
    onCreate: () => new Date(),
    onUpdate: () => new Date(),
  },
} as const;

/**
 * A foreign key kept as its plain id column (a ManyToOne mapped to its primary key, so the domain
 * reads and writes ids, never proxies), with PostgreSQL's default constraint name and an explicit
 * delete rule (MikroORM would otherwise add ON UPDATE CASCADE). The target entity is named, not
 * referenced, because the property's type is the id.
 */
export function foreignKey<E extends string>(
  entity: E,
  table: string,
  column: string,
  rules: { onDelete: 'cascade' | 'no action' | 'set null'; nullable?: boolean; primary?: boolean },
) {
  return {
    kind: 'm:1',
    entity,
    mapToPk: true,
    fieldName: column,
    columnType: 'text',
    nullable: rules.nullable ?? false,
    foreignKeyName: `${table}_${column}_fkey`,
    updateRule: 'no action',
    deleteRule: rules.onDelete,
    primary: rules.primary,
  } as const;
}

/** The bookkeeping of a saga row (kit/saga.ts SagaColumns): the engine reads and writes these. */
export const sagaColumns = {
  step: optionalText,
  owner: optionalText,
  attempts: { ...integer, default: 0 },
  lastError: { ...optionalText, fieldName: 'last_error' },
  failureCode: { ...optionalText, fieldName: 'failure_code' },
  compensateFrom: { ...optionalText, fieldName: 'compensate_from' },
  compensationsDone: {
    type: 'string[]',
    columnType: 'text[]',
    fieldName: 'compensations_done',
    defaultRaw: "'{}'",
  },
} as const;
