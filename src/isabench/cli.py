"""The `isabench` command.

Errors a user can cause end in one line on stderr and a documented exit status:
  0-255  the RISC-V program's own exit status (`rv run`)
  2      bad command line
  125    the program trapped (memory fault, illegal instruction, step limit, ...)
  126    the assembly source has an error
  127    a file could not be read or written
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import __version__
from .rv.errors import AssemblyError
from .rv.machine import DEFAULT_MAX_STEPS, DEFAULT_MEMORY_SIZE

EXIT_TRAP = 125
EXIT_ASSEMBLY = 126
EXIT_FILE = 127


class CliError(Exception):
    """A failure to report in one line with an exit status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _byte_size(text: str) -> int:
    """A size like 16777216, 0x1000000, 64K or 16M."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    try:
        if text[-1:].lower() in units:
            return int(text[:-1], 0) * units[text[-1].lower()]
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size in bytes: '{text}'") from None


def _assemble(path: str):
    from .rv.assembler import assemble_file

    try:
        return assemble_file(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file", EXIT_FILE) from None
    except IsADirectoryError:
        raise CliError(f"{path}: is a directory, not an assembly file", EXIT_FILE) from None
    except OSError as err:
        raise CliError(f"{path}: cannot read: {err.strerror}", EXIT_FILE) from None
    except AssemblyError as err:
        raise CliError(str(err), EXIT_ASSEMBLY) from None


def _open_for_writing(path: str, what: str):
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as err:
        raise CliError(f"{path}: cannot write {what}: {err.strerror}", EXIT_FILE) from None


def cmd_rv_run(args: argparse.Namespace) -> int:
    """Run a program on the register machine: stdin in, stdout out, its exit status back."""
    from .rv.machine import Limits, LimitsError
    from .rv.ref import ReferenceMachine
    from .rv.trace import TraceWriter

    program = _assemble(args.program)
    limits = Limits(max_steps=args.max_steps, memory_size=args.memory)
    stdin = sys.stdin.buffer.read() if not sys.stdin.closed else b""
    trace_file = writer = None
    if args.trace:
        fmt = args.trace_format or ("jsonl" if args.trace.endswith(".jsonl") else "text")
        trace_file = _open_for_writing(args.trace, "the trace")
        writer = TraceWriter(trace_file, fmt)
    try:
        machine = ReferenceMachine(program, stdin, limits, tracer=writer)
    except LimitsError as err:
        raise CliError(str(err), 2) from None
    start = time.perf_counter()
    result = machine.run()
    wall_s = time.perf_counter() - start
    if writer is not None:
        writer.finish(result.trap)
        trace_file.close()
    sys.stdout.buffer.write(result.output)
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(result.stderr)
    if args.stats_json:
        stats = result.stats(wall_s)
        stats.update(executor="rv-ref", max_steps=limits.max_steps, memory_size=limits.memory_size)
        with _open_for_writing(args.stats_json, "the stats") as f:
            json.dump(stats, f, indent=2)
            f.write("\n")
    if result.trap is not None:
        raise CliError(str(result.trap), EXIT_TRAP)
    return result.exit_code if result.exit_code is not None else EXIT_TRAP


def cmd_rv_asm(args: argparse.Namespace) -> int:
    """Print the expanded listing: address, word, real instruction, source line."""
    program = _assemble(args.program)
    out = sys.stdout
    for row in program.listing:
        out.write(
            f"{row.address:08x}  {row.word:08x}  {row.text:<30} "
            f"{row.source.line:>5}: {row.source.text}\n"
        )
    if args.symbols:
        for name, address in sorted(program.symbols.items(), key=lambda kv: kv[1]):
            out.write(f"{address:08x}  {name}\n")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the bundled sample programs on rv-ref (and qemu-riscv32 when installed)."""
    from .rv import demo

    return demo.main(sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isabench",
        description="Finite vs 'infinite' instruction sets: a RISC-V register machine and "
        "language models on the same tasks, measured.",
    )
    parser.add_argument("--version", action="version", version=f"isabench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    rv = commands.add_parser("rv", help="the RISC-V (RV32IM) register machine")
    rv_commands = rv.add_subparsers(dest="rv_command", required=True)
    run = rv_commands.add_parser(
        "run",
        help="run a program: stdin in, stdout out, exit with its status",
        description="Assemble PROGRAM.s and run it on rv-ref. The program's stdin is this "
        "process's stdin (read to end of file first); its output bytes go to stdout unchanged; "
        "the process exits with the program's exit status, 125 on a trap, 126 on an "
        "assembly error, 127 when a file cannot be read.",
    )
    run.add_argument("program", help="RISC-V assembly source (GNU as syntax)")
    run.add_argument("--max-steps", type=int, default=DEFAULT_MAX_STEPS, metavar="N",
                     help="step limit: trap after N retired instructions (default %(default)s)")
    run.add_argument("--memory", type=_byte_size, default=DEFAULT_MEMORY_SIZE, metavar="BYTES",
                     help="address-space size; the stack starts at its top (default 16M)")
    run.add_argument("--stats-json", metavar="PATH",
                     help="write retired instructions, exit code, trap and wall time as JSON")
    run.add_argument("--trace", metavar="PATH", help="write a per-instruction trace")
    run.add_argument("--trace-format", choices=("jsonl", "text"),
                     help="trace format (default: jsonl for *.jsonl paths, else text)")
    run.set_defaults(func=cmd_rv_run)

    asm = rv_commands.add_parser("asm", help="print the expanded listing of a program")
    asm.add_argument("program", help="RISC-V assembly source (GNU as syntax)")
    asm.add_argument("--symbols", action="store_true", help="also print label addresses")
    asm.set_defaults(func=cmd_rv_asm)

    demo = commands.add_parser("demo", help="run the bundled sample programs on the machine")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as err:
        sys.stdout.flush()
        print(f"isabench: {err}" if err.status != EXIT_TRAP else str(err), file=sys.stderr)
        return err.status
    except KeyboardInterrupt:
        print("isabench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
