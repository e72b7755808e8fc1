// Declares the generated catalog's type so TypeScript does not infer one from 2,600 entries
// (which doubled typecheck time). catalog.ts treats it as a CatalogDocument.
declare const catalog: unknown;
export default catalog;
