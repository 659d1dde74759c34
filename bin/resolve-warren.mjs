// A Node module resolve hook (module.register): in a drill file run by `warren scenario ./file.ts`, the bare
// specifier `warren` means the very copy of warren that runs it, from its source. One module instance, so the
// scenario, its errors (UsageError → exit 2) and warren's own code share classes, built or not.
const ENTRY = new URL('../src/index.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'warren') return nextResolve(ENTRY, context);
  return nextResolve(specifier, context);
}
