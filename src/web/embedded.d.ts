// Files the web console embeds as text (`import x from "./a.css" with { type: "text" }`):
// Bun puts their bytes into the bundle, so the compiled binary serves them from memory.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.js" {
  const text: string;
  export default text;
}
