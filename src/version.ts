import pkg from "../package.json" with { type: "json" };

/** quiver's version, baked into the binary at build time from package.json. */
export const VERSION: string = pkg.version;
