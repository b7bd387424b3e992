import { runShim } from '../agent/shim/run.js'
import { EXIT, type CliIo } from './io.js'

export const CNI_HELP = `Usage: multinet cni   (executed by the container runtime as a CNI plugin)

The CNI shim. Reads the network configuration on stdin and CNI_COMMAND, CNI_CONTAINERID,
CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH from the environment, answers VERSION itself and
forwards ADD, DEL, CHECK, STATUS and GC to multinet-agent on its unix socket. Its own keys in the
plugin entry: socket (default /run/multinet/agent.sock), readyTimeoutMs (how long ADD waits for
the agent, default 30000), deadlineMs (the whole operation, default 100000). Every failure is a
CNI error JSON on stdout with exit status 1. Nodes run the same code as the standalone
executable dist/shim/multinet-cni (no Node.js needed); see docs/cni.md.
`

/** `multinet cni`: the shim, through the normal CLI (it loads nothing but the shim). */
export async function cniCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.length > 0) {
    const help = argv[0] === '--help' || argv[0] === '-h'
    ;(help ? io.stdout : io.stderr).write(
      help ? CNI_HELP : `multinet cni: takes no arguments\n\n${CNI_HELP}`,
    )
    return help ? EXIT.ok : EXIT.usage
  }
  return runShim({ stdin: io.stdin, stdout: io.stdout, env: io.env })
}
