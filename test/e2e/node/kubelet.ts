/**
 * A real kubelet for one e2e node, registered to the e2e control plane as `system:node:<name>`
 * (a client cert from the control plane's PKI, so the Node authorizer and NodeRestriction apply).
 * Everything it can be told to keep under the node's temp dir is there: root dir, certs, pod
 * logs; its cgroups under a cgroup root of its own. It listens on loopback only, on free ports.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { freePorts, LOOPBACK, waitFor } from '../net.js'
import { logTail, startProcess, type Managed } from '../processes.js'

export interface KubeletPaths {
  root: string
  config: string
  podLogs: string
  log: string
  podResourcesSocket: string
}

export function kubeletPaths(dir: string): KubeletPaths {
  const root = join(dir, 'kubelet')
  return {
    root,
    config: join(dir, 'kubelet-config.yaml'),
    podLogs: join(dir, 'pod-logs'),
    log: join(dir, 'logs/kubelet.log'),
    podResourcesSocket: join(root, 'pod-resources/kubelet.sock'),
  }
}

export interface KubeletSetup {
  paths: KubeletPaths
  binary: string
  nodeName: string
  kubeconfig: string
  clientCaFile: string
  containerdSocket: string
  /** Relative to each cgroup hierarchy's root; must exist before the kubelet starts. */
  cgroupRoot: string
}

export async function kubeletConfig(s: KubeletSetup): Promise<Record<string, unknown>> {
  const [port, healthzPort] = (await freePorts(2)) as [number, number]
  const endpoint = `unix://${s.containerdSocket}`
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: LOOPBACK,
    port,
    readOnlyPort: 0,
    healthzBindAddress: LOOPBACK,
    healthzPort,
    containerRuntimeEndpoint: endpoint,
    imageServiceEndpoint: endpoint,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: `/${s.cgroupRoot}`,
    failSwapOn: false,
    failCgroupV1: false,
    // The kubelet would lower its own score to -999: not permitted without CAP_SYS_RESOURCE.
    oomScoreAdj: 0,
    makeIPTablesUtilChains: false,
    podLogsDirectory: s.paths.podLogs,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: s.clientCaFile },
    },
    authorization: { mode: 'AlwaysAllow' },
    // A busy shared machine must not make the kubelet evict test pods or collect our images.
    evictionHard: {
      'memory.available': '50Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
      'nodefs.inodesFree': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    resolvConf: '',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    nodeStatusUpdateFrequency: '5s',
    nodeStatusReportFrequency: '10s',
    registerNode: true,
  }
}

export async function startKubelet(s: KubeletSetup): Promise<Managed> {
  mkdirSync(s.paths.root, { recursive: true })
  mkdirSync(s.paths.podLogs, { recursive: true })
  writeFileSync(s.paths.config, stringify(await kubeletConfig(s)))
  return startProcess(
    'kubelet',
    s.binary,
    [
      `--config=${s.paths.config}`,
      `--kubeconfig=${s.kubeconfig}`,
      `--root-dir=${s.paths.root}`,
      `--cert-dir=${join(s.paths.root, 'pki')}`,
      `--hostname-override=${s.nodeName}`,
      `--node-ip=${LOOPBACK}`,
      '--v=2',
    ],
    s.paths.log,
  )
}

/** Waits until the Node object says Ready (the kubelet runs and containerd's CNI is loaded). */
export async function waitNodeReady(
  admin: KubeConfig,
  nodeName: string,
  kubelet: Managed,
  timeoutMs = 120_000,
): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api)
  await waitFor(
    `node ${nodeName} Ready`,
    async () => {
      try {
        const node = await core.readNode({ name: nodeName })
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
        return ready?.status === 'True' ? true : undefined
      } catch {
        return undefined
      }
    },
    {
      timeoutMs,
      intervalMs: 500,
      abort: () => (kubelet.isRunning() ? undefined : 'kubelet exited'),
    },
    () => logTail(kubelet.logFile, 60),
  )
}
