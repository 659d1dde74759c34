/**
 * warren's layering, checked by `npm test` (dependency-cruiser). Folders are layers in this order; a module may
 * import its own folder and the folders before it, never one after: so no two folders can import each other, even
 * through a third (a folder-level import cycle is impossible, not merely absent today). Type-only imports count.
 * A folder that is not a layer is refused until it is given its place, and shipped code imports nothing outside
 * src/ and scenarios/ but packages (not dist/, fixtures/ or test/). Not seen by any static rule: import() of a
 * computed path and require through createRequire.
 */
const LAYERS = [
  ['common', '^src/common/'], // errors, waits, secrets, logger, Erlang term decoding: no warren concepts
  ['core', '^src/core/'], // the contracts: platform and cluster, drill context, journal, releases
  ['broker', '^src/broker/'], // talking to RabbitMQ: AMQP, the workload, definitions, what a node runs
  ['platforms', '^src/platforms/'], // where RabbitMQ runs: local processes, kind
  ['checks', '^src/checks/'],
  ['faults', '^src/faults/'],
  ['recoveries', '^src/recoveries/'], // a method's evidence is made of checks
  ['scenarios', '^src/scenarios/'], // how a scenario is defined: fault, methods, expectations
  ['catalogue', '^scenarios/'], // the built-in scenarios, written against the layers above
  ['report', '^src/report/'],
  ['run', '^src/run/'],
  ['cli', '^src/cli/'],
  ['api', '^src/index\\.ts$'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${name}`,
  severity: 'error',
  comment: `${name} may import only ${LAYERS.slice(0, index).map(([lower]) => lower).join(', ') || 'itself'} (layers: ${LAYERS.map(([layer]) => layer).join(' < ')})`,
  from: { path },
  to: { path: LAYERS.slice(index + 1).map(([, higher]) => higher) },
}));

const layerPaths = LAYERS.map(([, path]) => path);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layers-only',
      severity: 'error',
      comment: `every module of src/ lies in a layer (${LAYERS.map(([layer]) => layer).join(', ')}): add a new folder to LAYERS`,
      from: { path: '^src/', pathNot: layerPaths },
      to: {},
    },
    {
      name: 'layers-only-targets',
      severity: 'error',
      comment: 'shipped code imports only modules that lie in a layer: add a new folder to LAYERS',
      from: { path: '^(src|scenarios)/' },
      to: { path: '^src/', pathNot: layerPaths },
    },
    {
      name: 'inside-the-package',
      severity: 'error',
      comment: 'shipped code imports src/, scenarios/ and packages only: never dist/ (a second copy of warren), fixtures/ or test/',
      from: { path: '^(src|scenarios)/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: '^(src|scenarios|node_modules)/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a module cycle, inside a folder too',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
