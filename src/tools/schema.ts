/**
 * The schema builder for tool parameters: TypeBox's own `Type`, the builder Elysia's `t`
 * extends. Elysia overrides `t.Integer` (and `t.Numeric`, `t.BooleanString`…) with
 * string-or-number unions so that *query strings* parse; tool parameters arrive as JSON,
 * and that union would both accept `"limit": "3"` (a string that handlers then add to
 * numbers) and publish `limit` to Claude as "a string or an integer". Plain TypeBox types
 * validate exactly and serialise to clean JSON Schema.
 */
export { Type as t } from "@sinclair/typebox";
