// The bundles `npm run build` writes to dist/lib/ (*.js.txt) and the binary embeds as text.
declare module "*.js.txt" {
  const text: string;
  export default text;
}
