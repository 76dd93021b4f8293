import type { JobKind } from "./kinds.ts";

/** Every kind of job the worker can run. Adding one: a file in src/jobs/ and a line here. */
export const jobKinds: JobKind[] = [];
