import { importJob } from "./import-path.ts";
import type { JobKind } from "./kinds.ts";
import { reindexJob } from "./reindex.ts";

/** Every kind of job the worker can run. Adding one: a file in src/jobs/ and a line here. */
export const jobKinds: JobKind[] = [importJob, reindexJob];
