/**
 * What a store method returns: the SQLite stores answer synchronously (a value), the
 * PostgreSQL ones asynchronously (a promise). Callers above src/store/ `await` either;
 * `then` keeps a synchronous answer synchronous where a hot path (the auth check, for
 * every request) should not pay for a microtask it does not need.
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * `f(value)`, synchronously when `value` is not a promise. `f` may itself answer either
 * way (a promise returned inside `.then` is flattened), so calls nest.
 */
export function then<T, R>(value: Awaitable<T>, f: (v: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}
