/** The public face of our libcni: what the agent imports. */
export { createCniClient, type CniClientExt, type CniClientOptions } from './client.js'
export { buildOneConfig, runtimeConfigFor } from './build-config.js'
export { configVersions, parseNetworkConfig, type ParseOptions } from './config.js'
export { CniPluginError, joinErrors, type CniFailure } from './plugin-error.js'
export { convertResult, toCurrentResult } from './result.js'
export { SUPPORTED_VERSIONS, compareVersions, versionAtLeast } from './version.js'
export type * from './types.js'
