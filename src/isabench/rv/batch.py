"""rv-batch: many instances of the register machine in lockstep on torch tensors (CPU or CUDA).

Every lane is one run of rv-ref (`ref.py`) with its own program, input, registers and memory,
and gets the same results bit for bit: output, stderr, exit code, retired instructions, the trap
(kind, pc, source line and message) and written_bytes. The design:

* Pre-decoding. Each distinct program's .text is decoded once (with `isa.decode`) into rows of
  an int64 table, one row per half-word of [0x10000, text_end): aligned words hold their
  instruction, the other rows are "fetch fault" rows, and one extra row past the end catches
  every pc outside .text. A row holds what executing the instruction needs as constants: the
  result class, register numbers (rd = 32, a junk register, when nothing is written), the
  immediate, a branch/jal target, the address window of a load or store, the load mask and
  static events (illegal instruction, ebreak, ecall). lui/auipc become "x0 + constant". Rows
  of several programs are concatenated; each lane knows its program's first row and row count.
* One lockstep step for all lanes: fetch each lane's row by a gather on pc, read rs1/rs2 by a
  gather, compute every result class vectorised (add, sub, shifts, compares, logic, mul/mulh*
  from one exact 64-bit product of the signed operands, div/rem in float64 -- exact for 32-bit
  operands -- with the zero and overflow cases, the load value from a 4-byte memory window)
  and select the lane's class. Commits are masked: a lane that is frozen or traps this step
  writes the junk register and scratch words and keeps its pc.
* Layout: state is structure-of-arrays with the lane index fastest. Registers are int32
  [33, lanes] (computed on as uint32 values in int64). Memory covers only the mapped range
  [0x10000, memory_size) of each lane, plus 16 scratch bytes: int32 words [(memory_size -
  0x10000 + 16) / 4, lanes], viewed as bytes (`_Batch.bytes`) by the host. A load reads the
  two words under its 4-byte window; a store writes both back with its bytes merged in
  (misaligned accesses are allowed, as in rv-ref). Lanes of one program mostly touch the same
  registers and addresses, so their accesses are contiguous (cache lines on CPU, coalesced on
  GPU), and words halve the gathers and scatters of bytes.
* Bounds: reads from 0x10000, writes from program.rw_start, both below memory_size, checked per
  row; a fetch outside .text or from a misaligned pc lands on a fault row. Traps are raised
  where rv-ref raises them and name the same pc and source line (a fetch fault names the line
  of the last retired instruction).
* Status per lane: running, exited, syscall pending or a trap kind. exit/exit_group end a lane
  on the device (its exit status is a0 at the end). read, write and unknown syscalls park the
  lane; every `check_every` steps the host looks at the status (the loop's only
  synchronisation), services every parked lane with SyscallIO's semantics (EBADF, the output
  limit, access checks) and resumes it. The step limit is exact per lane and checked before
  the fetch as in rv-ref (eagerly, it is left out of blocks in which no lane can reach it).
* Writes are deferred by one step (see `_steps`), which lets torch.compile (`compile=True`)
  turn a step into one fused loop and a few scatters; the eager path is the default and the
  fallback when compiling fails.
* written_bytes compares each lane's final words with its image, page by page, on the device.

`run_batch` returns a `BatchResults` list (one `BatchLaneResult` per lane, in input order) with
the batch's figures as attributes: lockstep steps, host checks, syscalls serviced, the step
loop's wall time.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from .assembler import PAGE, Program
from .errors import Trap
from .isa import IllegalInstruction, decode
from .machine import (
    A0,
    A1,
    A2,
    A7,
    EBADF,
    MASK,
    SP,
    SYS_EXIT,
    SYS_EXIT_GROUP,
    SYS_READ,
    SYS_WRITE,
    Limits,
    RunResult,
    check_access,
    initial_sp,
)

BASE = 0x10000  # first mapped address: memory tensors start here
PAD = 16  # bytes past the end of each lane's memory: room for clamped windows and scratch
JUNK = 32  # register that absorbs writes to x0 and from instructions that write nothing
NREGS = 33
SIGN = 0x8000_0000
FAR = 1 << 40  # an address bound no address reaches

# Lane status. A trapped lane holds its trap kind; the host names the trap at the end.
RUNNING, EXITED, SYSCALL = 0, 1, 2
T_STEP, T_FETCH, T_ILLEGAL, T_BREAK, T_MEMORY = 3, 4, 5, 6, 7
T_HOST = 8  # a trap the host raised while servicing a syscall (kept as a Trap object)

# Result classes, in the order `_steps` lists them.
(F_ADD, F_SUB, F_SLL, F_SLT, F_SLTU, F_XOR, F_SRL, F_SRA, F_OR, F_AND, F_MUL, F_MULH, F_MULHSU,
 F_MULHU, F_DIV, F_REM, F_OP2, F_SEQ, F_LOAD) = range(19)  # fmt: skip
ALU = {"add": F_ADD, "sub": F_SUB, "sll": F_SLL, "slt": F_SLT, "sltu": F_SLTU, "xor": F_XOR,
       "srl": F_SRL, "sra": F_SRA, "or": F_OR, "and": F_AND, "mul": F_MUL, "mulh": F_MULH,
       "mulhsu": F_MULHSU, "mulhu": F_MULHU, "div": F_DIV, "divu": F_DIV, "rem": F_REM,
       "remu": F_REM, "addi": F_ADD, "slti": F_SLT, "sltiu": F_SLTU, "xori": F_XOR, "ori": F_OR,
       "andi": F_AND, "slli": F_SLL, "srli": F_SRL, "srai": F_SRA}  # fmt: skip
# Branch conditions: index into [never, always, eq, lt, ltu]; the row's BNEG inverts it.
BRANCHES = {"beq": (2, 0), "bne": (2, 1), "blt": (3, 0), "bge": (3, 1), "bltu": (4, 0),
            "bgeu": (4, 1)}  # fmt: skip
LOADS = {"lb": (1, True), "lh": (2, True), "lw": (4, True), "lbu": (1, False), "lhu": (2, False)}
STORES = {"sb": 1, "sh": 2, "sw": 4}

# Columns of a decoded row. IMM is added both to rs2's value (the second ALU operand; rs2 is x0
# in the immediate forms) and to rs1's value (the address of a load, store or jalr). TGT is a
# taken branch's or jal's target. A load/store address must lie in [LO, HI]; other rows have
# LO = 0 and HI = FAR. META packs the small fields into one word for the compiled step.
(C_FUNC, C_RS1, C_RS2, C_RD, C_IMM, C_TGT, C_BSEL, C_BNEG, C_EVENT, C_LO, C_HI, C_SW, C_LDMASK,
 C_LDSIGN, C_JALR, C_UNS, C_META) = range(17)  # fmt: skip
NCOLS = 17
# META's layout: (column, bit offset, bits); then the load width (3 bits) and signedness.
PACKED = ((C_FUNC, 0, 5), (C_RS1, 5, 5), (C_RS2, 10, 5), (C_RD, 15, 6), (C_BSEL, 21, 3),
          (C_BNEG, 24, 1), (C_EVENT, 25, 4), (C_SW, 29, 3), (C_JALR, 32, 1), (C_UNS, 33, 1))  # fmt: skip
M_LDWIDTH, M_LDSIGNED = 34, 37

DEFAULT_CPU_BUDGET = 8 << 30
CUDA_BUDGET_FRACTION = 0.8


class BatchDeviceError(RuntimeError):
    """The requested device cannot be used (cuda without a GPU, an unknown device type)."""


class BatchMemoryError(ValueError):
    """The lanes' memories would not fit in the memory budget."""


@dataclass
class BatchLaneResult(RunResult):
    """One lane's RunResult plus the bytes of 4 KiB pages its run changed (machine.written_bytes)."""

    written_bytes: int = 0


class BatchResults(list):
    """The lanes' results in input order, with the batch's figures as attributes."""

    steps: int = 0  # lockstep iterations executed
    checks: int = 0  # host checks (synchronisations)
    syscalls: int = 0  # syscalls serviced on the host
    stepping_seconds: float = 0.0  # wall time of the step loop (with the checks and syscalls)
    device: str = "cpu"
    compiled: bool = False

    @property
    def retired_instructions(self) -> int:
        """All lanes' retired instructions together."""
        return sum(r.retired_instructions for r in self)


class _Sized:
    """Stands in for a lane's memory where check_access only needs its length."""

    def __init__(self, size: int):
        self.size = size

    def __len__(self) -> int:
        return self.size


# -- pre-decoding -------------------------------------------------------------------------------


@dataclass
class _Decoded:
    rows: np.ndarray  # [halfwords of [0x10000, text_end) + 1, NCOLS] int64
    illegal: dict[int, str]  # pc -> the decoder's message


def _decode_program(program: Program, image: np.ndarray, limits: Limits) -> _Decoded:
    """Decode .text into rows indexed by (pc - 0x10000) // 2, plus a final fault row.

    `image` is the loaded image from address 0x10000 on."""
    halfwords = max(0, (program.text_end - BASE + 1) // 2)
    rows = np.zeros((halfwords + 1, NCOLS), dtype=np.int64)
    rows[:, C_EVENT] = T_FETCH
    rows[:, C_RD] = JUNK
    rows[:, C_HI] = FAR
    illegal: dict[int, str] = {}
    msize = limits.memory_size
    start = program.text_start + (-program.text_start % 4)
    for pc in range(start, program.text_end, 4):
        row = rows[(pc - BASE) // 2]
        row[C_EVENT] = 0
        word = int.from_bytes(image[pc - BASE : pc - BASE + 4].tobytes(), "little")
        try:
            d = decode(word)
        except IllegalInstruction as err:
            row[C_EVENT] = T_ILLEGAL
            illegal[pc] = str(err)
            continue
        m = d.mnemonic
        rd = d.rd if d.rd else JUNK
        if m in ALU:
            row[C_FUNC], row[C_RD], row[C_RS1] = ALU[m], rd, d.rs1
            if d.fmt == "R":
                row[C_RS2] = d.rs2
                row[C_UNS] = m in ("divu", "remu")
            else:
                row[C_IMM] = d.imm & MASK
        elif m in ("lui", "auipc"):  # the value is a constant: x0 + IMM
            row[C_FUNC], row[C_RD] = F_OP2, rd
            row[C_IMM] = (d.imm if m == "lui" else pc + d.imm) & MASK
        elif m == "jal":
            row[C_FUNC], row[C_RD], row[C_BSEL], row[C_TGT] = F_SEQ, rd, 1, (pc + d.imm) & MASK
        elif m == "jalr":
            row[C_FUNC], row[C_RD], row[C_JALR], row[C_RS1], row[C_IMM] = F_SEQ, rd, 1, d.rs1, d.imm
        elif m in BRANCHES:
            row[C_BSEL], row[C_BNEG] = BRANCHES[m]
            row[C_RS1], row[C_RS2], row[C_TGT] = d.rs1, d.rs2, (pc + d.imm) & MASK
        elif m in LOADS:
            width, signed = LOADS[m]
            signed = signed and width < 4  # lw: the final 32-bit mask makes sign irrelevant
            row[C_FUNC], row[C_RD], row[C_RS1], row[C_IMM] = F_LOAD, rd, d.rs1, d.imm
            row[C_LO], row[C_HI] = BASE, msize - width
            row[C_LDMASK] = (1 << (8 * width)) - 1
            row[C_LDSIGN] = 1 << (8 * width - 1) if signed else 0
            row[C_META] |= (width << M_LDWIDTH) | (int(signed) << M_LDSIGNED)
        elif m in STORES:
            width = STORES[m]
            row[C_RS1], row[C_RS2], row[C_IMM], row[C_SW] = d.rs1, d.rs2, d.imm, width
            row[C_LO], row[C_HI] = program.rw_start, msize - width
        elif m == "ecall":
            row[C_EVENT] = SYSCALL
        elif m == "ebreak":
            row[C_EVENT] = T_BREAK
        else:  # pragma: no cover - decode() returns only the mnemonics above
            raise AssertionError(m)
    for column, offset, _bits in PACKED:
        rows[:, C_META] |= rows[:, column] << offset
    return _Decoded(rows, illegal)


# -- lockstep steps ------------------------------------------------------------------------------


def _steps(
    n: int, check_limit: bool, fused: bool, pc, regs, mem, retired, status, last_pc,
    put_mem, put_words, put_reg, put_value, table, base, hlen, max_steps, mapped: int,
):  # fmt: skip
    """Run n lockstep steps; returns the new (pc, retired, status, last_pc) and pending writes.

    regs (int32 [33 * lanes]) and mem (int32 words [(mapped + PAD) / 4 * lanes]) are flat, the
    lane fastest. Writes are deferred by one step: a step computes the flat indices and values
    of its 2 memory words (put_mem, put_words) and its register (put_reg, put_value), and the
    next step (or `_Batch.flush`) stores them with index_put_ before it reads anything.
    Compiled, the stores then read ready buffers instead of re-deriving each lane's step inside
    a scalar scatter loop, and they happen in place (a scatter_ on a 2-D view made
    torch.compile copy all of memory every step). `fused` picks forms written for
    torch.compile (chains of where, which fuse into one loop) over the cheapest eager ones
    (stack + gather).
    """
    lanes = pc.shape[0]
    dev = pc.device
    ids = torch.arange(lanes, device=dev)
    k4 = torch.arange(4, device=dev)
    k2 = k4[:2]
    for _ in range(n):
        mem.index_put_((put_mem,), put_words)
        regs.index_put_((put_reg,), put_value)
        run = status == RUNNING
        row = torch.minimum(((pc - BASE) & MASK) >> 1, hlen) + base
        if fused:  # unpack the small fields from one column with shifts
            ins = table.index_select(0, row)
            meta = ins[:, C_META]
            func, rs1, rs2, rd, bsel, bneg, event, width, jalr, uns = (
                (meta >> offset) & ((1 << bits) - 1) for _, offset, bits in PACKED
            )
            ldwidth = (meta >> M_LDWIDTH) & 7
            ldmask = (1 << ldwidth * 8) - 1
            ldsign = ((ldmask + 1) >> 1) * ((meta >> M_LDSIGNED) & 1)
        else:  # eager: one row copy, then column views
            if dev.type == "cpu":  # embedding's row copy is far faster than index_select here
                ins = torch.nn.functional.embedding(row, table)
            else:
                ins = table.index_select(0, row)
            func, rs1, rs2, rd, bsel, bneg, event, width, jalr, uns, ldmask, ldsign = (
                ins[:, c] for c in (C_FUNC, C_RS1, C_RS2, C_RD, C_BSEL, C_BNEG, C_EVENT, C_SW,
                                    C_JALR, C_UNS, C_LDMASK, C_LDSIGN)
            )  # fmt: skip
        imm, tgt, lo, hi = ins[:, C_IMM], ins[:, C_TGT], ins[:, C_LO], ins[:, C_HI]
        sa = regs[rs1 * lanes + ids].long()  # int32 storage: the signed reading
        a = sa & MASK
        b = regs[rs2 * lanes + ids].long() & MASK
        op2 = b + imm
        sb = (op2 ^ SIGN) - SIGN
        addr = (a + imm) & MASK
        # The two words under the 4-byte window at addr: clamped (a faulting access reads
        # harmless words), and the lane's scratch words for instructions without memory access.
        at = torch.where(lo != 0, (addr - BASE).clamp(0, mapped), mapped)
        words = mem[((at[:, None] >> 2) + k2) * lanes + ids[:, None]].long() & MASK
        pair = words[:, 0] | (words[:, 1] << 32)  # 8 bytes from the first word's address
        shift = (at & 3) * 8
        loaded = (((pair >> shift) & ldmask) ^ ldsign) - ldsign
        # Shifts, products (one exact product of the signed operands gives all four), division
        # in float64 (exact for 32-bit operands: the rounding error is below 1/divisor).
        sh = op2 & 31
        prod = sa * sb
        mulh = prod >> 32
        mulhsu = mulh + torch.where(sb < 0, sa, 0)
        mulhu = mulhsu + torch.where(sa < 0, sb, 0)
        uns = uns != 0
        num = torch.where(uns, a, sa)
        den = torch.where(uns, op2, sb)
        zero = den == 0
        den = den + zero
        quot = torch.trunc(num.double() / den.double()).long()
        rem = torch.where(zero, num, num - quot * den)
        quot = torch.where(zero, -1, quot)
        lt = sa < sb
        ltu = a < op2
        eq = a == op2
        seq = pc + 4
        results = [a + op2, a - op2, a << sh, lt.long(), ltu.long(), a ^ op2, a >> sh, sa >> sh,
                   a | op2, a & op2, prod, mulh, mulhsu, mulhu, quot, rem, op2, seq, loaded]  # fmt: skip
        if fused:
            value = results[0]
            for k in range(1, len(results)):
                value = torch.where(func == k, results[k], value)
            cond = torch.where(bsel == 4, ltu, bsel == 1)
            cond = torch.where(bsel == 2, eq, torch.where(bsel == 3, lt, cond))
        else:
            value = torch.stack(results, 1).gather(1, func[:, None])[:, 0]
            false = torch.zeros_like(eq)
            cond = torch.stack([false, ~false, eq, lt, ltu], 1).gather(1, bsel[:, None])[:, 0]
        taken = cond != (bneg != 0)
        nxt = torch.where(taken, tgt, seq)
        nxt = torch.where(jalr != 0, addr & ~1, nxt)
        # What happens to each lane: the highest-priority event wins.
        a7 = regs[A7 * lanes : (A7 + 1) * lanes]
        is_exit = (event == SYSCALL) & ((a7 == SYS_EXIT) | (a7 == SYS_EXIT_GROUP))
        code = torch.where(is_exit, EXITED, event)
        code = torch.where((addr < lo) | (addr > hi), T_MEMORY, code)
        if check_limit or fused:  # compiled, a second graph would cost more than the check
            code = torch.where(retired >= max_steps, T_STEP, code)
        retire = run & (code <= EXITED)
        status = torch.where(run, code, status)
        # The writes, committed by the next step: non-retiring lanes write x32 / scratch words.
        put_reg = torch.where(retire, rd, JUNK) * lanes + ids
        put_value = (((value + SIGN) & MASK) - SIGN).int()
        store = retire & (width != 0)
        smask = ((1 << width * 8) - 1) << shift
        merged = (pair & ~smask) | ((b << shift) & smask)
        merged = torch.stack([merged & MASK, (merged >> 32) & MASK], 1)
        word = torch.where(store, at >> 2, mapped // 4 + 2)[:, None] + k2
        put_mem = (word * lanes + ids[:, None]).view(-1)
        put_words = ((merged ^ SIGN) - SIGN).int().view(-1)
        last_pc = torch.where(retire, pc, last_pc)
        pc = torch.where(retire, nxt, pc)
        retired = retired + retire
    return pc, retired, status, last_pc, put_mem, put_words, put_reg, put_value


@functools.cache
def _compiled_steps():
    """`_steps` through torch.compile, with dynamic sizes: one compile serves every batch size,
    program and memory size (static sizes would recompile for each, for a few % of speed)."""
    return torch.compile(_steps, dynamic=True, fullgraph=True)


# -- the batch -----------------------------------------------------------------------------------


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ranges [start, start + count) concatenated, as one int64 array."""
    counts = np.asarray(counts, dtype=np.int64)
    ends = np.cumsum(counts)
    within = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) - np.repeat(ends - counts, counts)
    return np.repeat(np.asarray(starts, dtype=np.int64), counts) + within


def _signed32(value: int) -> int:
    """The int32 that holds the 32-bit register value `value`."""
    value &= MASK
    return value - (1 << 32) if value & SIGN else value


def _resolve_device(device) -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BatchDeviceError(f"{device} requested but torch.cuda.is_available() is False")
    if dev.type not in ("cpu", "cuda"):
        raise BatchDeviceError(f"rv-batch runs on cpu or cuda, not {device}")
    return dev


def _default_budget(dev: torch.device) -> int:
    if dev.type == "cuda":
        free, _total = torch.cuda.mem_get_info(dev)
        return int(free * CUDA_BUDGET_FRACTION)
    return DEFAULT_CPU_BUDGET


class _Batch:
    """One batch's state: tensors on the device and per-lane records on the host."""

    def __init__(self, programs: list[Program], stdins: list[bytes], limits: Limits,
                 dev: torch.device, max_memory_bytes: int | None):  # fmt: skip
        self.limits, self.dev = limits, dev
        self.lanes = lanes = len(programs)
        self.programs = programs
        self.mapped = mapped = limits.memory_size - BASE
        # Distinct programs (by identity), their images and decoded tables.
        order: dict[int, int] = {}
        distinct: list[Program] = []
        for p in programs:
            if id(p) not in order:
                order[id(p)] = len(distinct)
                distinct.append(p)
        for p in distinct:
            limits.check(p)
        budget = _default_budget(dev) if max_memory_bytes is None else max_memory_bytes
        need = lanes * mapped
        if need > budget:
            raise BatchMemoryError(
                f"{lanes} lanes x {mapped} bytes of mapped memory = {need} bytes exceeds the "
                f"memory budget of {budget} bytes (max_memory_bytes); use fewer lanes or a "
                f"smaller memory_size"
            )
        # The loaded images (as load_memory lays them out) up to the last page with image bytes:
        # above it the image is zero.
        span = max(-(-p.image_end // PAGE) * PAGE for p in distinct) - BASE
        self.images = np.zeros((len(distinct), span), dtype=np.uint8)
        for image, p in zip(self.images, distinct, strict=True):
            for address, data in p.segments:
                image[address - BASE : address - BASE + len(data)] = np.frombuffer(data, dtype=np.uint8)
        nonzero = np.flatnonzero(self.images.any(0))
        self.image_pages = int(nonzero[-1]) // PAGE + 1 if len(nonzero) else 0
        self.images = np.ascontiguousarray(self.images[:, : self.image_pages * PAGE])
        self.decoded = [
            _decode_program(p, image, limits) for p, image in zip(distinct, self.images, strict=True)
        ]
        starts = np.cumsum([0] + [len(d.rows) for d in self.decoded])
        self.prog_of_lane = np.array([order[id(p)] for p in programs], dtype=np.int64)
        self.prog = prog = torch.from_numpy(self.prog_of_lane).to(dev)
        self.table = torch.from_numpy(np.concatenate([d.rows for d in self.decoded])).to(dev)
        self.base = torch.from_numpy(starts[:-1]).to(dev)[prog]
        self.hlen = torch.tensor([len(d.rows) - 1 for d in self.decoded], device=dev)[prog]
        # Memory: int32 words [(mapped + PAD) / 4, lanes], lane fastest; each lane's column
        # starts as its program's image. self.bytes views it as [words, lanes * 4] bytes. Only
        # the image's rows are written: zeroed memory from the allocator stays untouched until
        # a lane uses it.
        words = (mapped + PAD) // 4
        columns = torch.from_numpy(self.images.view(np.int32).T.copy()).to(dev)  # [rows, programs]
        top = columns.shape[0]
        if dev.type == "cpu":  # numpy's zeros come from calloc: pages are zeroed when touched
            self.mem = torch.from_numpy(np.zeros((words, lanes), dtype=np.int32))
        else:
            self.mem = torch.zeros((words, lanes), dtype=torch.int32, device=dev)
        if len(distinct) == 1:
            self.mem[:top].copy_(columns[:top].expand(-1, lanes))
        else:
            torch.index_select(columns[:top], 1, prog, out=self.mem[:top])
        self.columns = columns
        self.bytes = self.mem.view(torch.uint8)
        self.regs = torch.zeros((NREGS, lanes), dtype=torch.int32, device=dev)
        self.regs[SP] = _signed32(initial_sp(limits))
        self.pc = torch.tensor([p.entry for p in programs], dtype=torch.int64, device=dev)
        self.retired = torch.zeros(lanes, dtype=torch.int64, device=dev)
        self.last_pc = torch.zeros(lanes, dtype=torch.int64, device=dev)
        self.status = torch.zeros(lanes, dtype=torch.int64, device=dev)
        self.max_steps = torch.tensor(min(limits.max_steps, 1 << 62), dtype=torch.int64, device=dev)
        ids = torch.arange(lanes, device=dev)
        self.idle = [  # pending writes that change nothing: scratch words and register x32
            ((mapped // 4 + 2 + torch.arange(2, device=dev)[:, None]) * lanes + ids).T.reshape(-1),
            torch.zeros(2 * lanes, dtype=torch.int32, device=dev),
            JUNK * lanes + ids,
            torch.zeros(lanes, dtype=torch.int32, device=dev),
        ]
        self.pending = self.idle
        # Host-side records, as numpy arrays over lanes: the inputs concatenated, read
        # positions, bytes written so far to fd 1 and 2, and a log of every write.
        lengths = np.array([len(x) for x in stdins], dtype=np.int64)
        self.stdin_data = np.frombuffer(b"".join(stdins), dtype=np.uint8)
        self.stdin_start = np.cumsum(lengths) - lengths
        self.stdin_len = lengths
        self.read_pos = np.zeros(lanes, dtype=np.int64)
        self.sink_len = np.zeros((2, lanes), dtype=np.int64)
        self.rw_start = np.array([p.rw_start for p in programs], dtype=np.int64)
        self.writes: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.host_traps: dict[int, Trap] = {}
        # A misaligned entry faults at its first fetch (the step loop assumes an even pc, which
        # every later pc is), unless the step limit is 0.
        odd = [i for i, p in enumerate(programs) if p.entry % 4]
        if odd:
            code = T_STEP if limits.max_steps <= 0 else T_FETCH
            self.status[torch.tensor(odd, device=dev)] = code

    # -- stepping ---------------------------------------------------------------------------
    def advance(self, steps_fn, count: int, check_limit: bool, compiled: bool) -> None:
        """Run `count` lockstep steps, then store the last step's pending writes."""
        consts = (self.table, self.base, self.hlen, self.max_steps, self.mapped)
        regs, mem = self.regs.view(-1), self.mem.view(-1)
        pc, retired, status, last_pc = self.pc, self.retired, self.status, self.last_pc
        pending = self.pending
        if compiled:  # one step per call: an unrolled graph would inline the deferred writes
            for _ in range(count):
                pc, retired, status, last_pc, *pending = steps_fn(
                    1, True, True, pc, regs, mem, retired, status, last_pc, *pending, *consts
                )  # (check_limit is always on: one graph instead of two)
        else:
            pc, retired, status, last_pc, *pending = steps_fn(
                count, check_limit, False, pc, regs, mem, retired, status, last_pc, *pending, *consts
            )
        self.pc, self.retired, self.status, self.last_pc = pc, retired, status, last_pc
        self.pending = pending
        self.flush()

    def flush(self) -> None:
        """Store the last step's pending writes, so the host sees final memory and registers."""
        put_mem, put_words, put_reg, put_value = self.pending
        self.mem.view(-1).index_put_((put_mem,), put_words)
        self.regs.view(-1).index_put_((put_reg,), put_value)
        self.pending = self.idle

    def byte_ranges(self, lanes: np.ndarray, addresses: np.ndarray, counts: np.ndarray):
        """Indices into self.bytes (flat) of [address, address + count) of each lane, concatenated."""
        offsets = _ranges(addresses - BASE, counts)
        lane = np.repeat(lanes, counts)
        index = (offsets >> 2) * (self.lanes * 4) + lane * 4 + (offsets & 3)
        return torch.from_numpy(index).to(self.dev)

    # -- syscalls on the host ---------------------------------------------------------------
    def service(self) -> int:
        """Perform the syscall of every parked lane (vectorised over lanes, with SyscallIO's
        semantics and checks in its order); returns how many lanes resume running."""
        lanes_t = torch.nonzero(self.status == SYSCALL)[:, 0]
        if lanes_t.numel() == 0:
            return 0
        fields = self.regs[[A0, A1, A2, A7]][:, lanes_t].long() & MASK
        a0, a1, a2, a7 = fields.cpu().numpy()
        pc = self.pc[lanes_t].cpu().numpy()
        lanes = lanes_t.cpu().numpy()
        limits, msize = self.limits, self.limits.memory_size
        is_read, is_write = a7 == SYS_READ, a7 == SYS_WRITE
        reading = is_read & (a0 == 0)
        writing = is_write & ((a0 == 1) | (a0 == 2))
        ebadf = (is_read | is_write) & ~reading & ~writing
        length = np.where(reading, np.minimum(a2, self.stdin_len[lanes] - self.read_pos[lanes]), 0)
        bad_read = (length > 0) & ((a1 < self.rw_start[lanes]) | (a1 + length > msize))
        bad_write = writing & (a2 > 0) & ((a1 < BASE) | (a1 + a2 > msize))
        fd = np.where(a0 == 2, 1, 0)
        over = writing & ~bad_write & (self.sink_len[fd, lanes] + a2 > limits.max_output_bytes)
        trapped = ~(is_read | is_write) | bad_read | bad_write | over
        for i in np.flatnonzero(trapped):
            self.host_traps[int(lanes[i])] = self.syscall_trap(
                int(lanes[i]), int(pc[i]), int(a1[i]), int(a2[i]), int(a7[i]), int(length[i])
            )
        ok = ~trapped
        flat = self.bytes.view(-1)
        got = ok & (length > 0)
        if got.any():
            source = _ranges(self.stdin_start[lanes[got]] + self.read_pos[lanes[got]], length[got])
            index = self.byte_ranges(lanes[got], a1[got], length[got])
            flat[index] = torch.from_numpy(self.stdin_data[source]).to(self.dev)
        self.read_pos[lanes[ok]] += length[ok]
        put = ok & writing & (a2 > 0)
        if put.any():
            data = flat[self.byte_ranges(lanes[put], a1[put], a2[put])].cpu().numpy()
            self.writes.append((lanes[put], fd[put], a2[put], data))
            np.add.at(self.sink_len, (fd[put], lanes[put]), a2[put])
        if trapped.any():
            self.status[torch.from_numpy(lanes[trapped]).to(self.dev)] = T_HOST
        if ok.any():
            ret = np.where(ebadf, -EBADF & MASK, np.where(reading, length, np.where(writing, a2, 0)))
            resumed = torch.from_numpy(lanes[ok]).to(self.dev)
            values = torch.from_numpy(ret[ok]).to(self.dev)
            self.regs[A0, resumed] = (((values + SIGN) & MASK) - SIGN).int()
            self.retired[resumed] += 1
            pcs = self.pc[resumed]
            self.last_pc[resumed] = pcs
            self.pc[resumed] = (pcs + 4) & MASK
            self.status[resumed] = RUNNING
        return int(ok.sum())

    def syscall_trap(self, lane: int, pc: int, a1: int, a2: int, a7: int, length: int) -> Trap:
        """The Trap of a syscall that fails, raised by the same checks as SyscallIO's."""
        program, limits = self.programs[lane], self.limits
        sized = _Sized(limits.memory_size)
        try:
            if a7 == SYS_READ:
                check_access(program, sized, pc, a1, length, write=True)
            elif a7 == SYS_WRITE:
                check_access(program, sized, pc, a1, a2, write=False)
                return Trap("output_limit", pc, f"output would exceed {limits.max_output_bytes} bytes",
                            program.lines.get(pc))  # fmt: skip
            else:
                return Trap("unknown_syscall", pc,
                            f"unknown syscall a7={a7} (supported: 63 read, 64 write, 93 exit)",
                            program.lines.get(pc))  # fmt: skip
        except Trap as trap:
            return trap
        raise AssertionError(f"lane {lane}: syscall {a7} does not trap")  # pragma: no cover

    def written_output(self) -> tuple[list[bytes], list[bytes]]:
        """Each lane's bytes written to fd 1 and to fd 2, from the write log."""
        stdout, stderr = [b""] * self.lanes, [b""] * self.lanes
        if not self.writes:
            return stdout, stderr
        lanes, fds, counts, data = (np.concatenate(parts) for parts in zip(*self.writes, strict=True))
        key = fds * self.lanes + lanes
        order = np.argsort(key, kind="stable")  # by fd and lane, each lane's writes in order
        ends = np.cumsum(counts)
        joined = data[_ranges((ends - counts)[order], counts[order])].tobytes()
        keys, first = np.unique(key[order], return_index=True)
        sorted_counts = counts[order]
        bounds = np.append((np.cumsum(sorted_counts) - sorted_counts)[first], len(joined))
        for k, start, end in zip(keys.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            (stderr if k >= self.lanes else stdout)[k % self.lanes] = joined[start:end]
        return stdout, stderr

    # -- results ----------------------------------------------------------------------------
    def written_bytes(self) -> list[int]:
        """machine.written_bytes of every lane: its pages whose words differ from the image
        (like machine.written_bytes, a partial last page does not count)."""
        pages = self.limits.memory_size // PAGE - BASE // PAGE
        changed = torch.zeros(self.lanes, dtype=torch.int64, device=self.dev)
        per_page = PAGE // 4
        step = max(1, (16 << 20) // (per_page * self.lanes))  # pages per chunk: 16 Mi words
        split = min(self.image_pages, pages)
        for low, high, zero in ((0, split, False), (split, pages, True)):
            for first in range(low, high, step):
                count = min(step, high - first)
                rows = self.mem[first * per_page : (first + count) * per_page]
                if zero:  # the image is zero here: any nonzero word counts
                    differs = rows.view(count, per_page, self.lanes).any(1)
                else:
                    ref = self.columns[first * per_page : (first + count) * per_page]
                    if ref.shape[1] > 1:
                        ref = ref.index_select(1, self.prog)
                    differs = (rows != ref).view(count, per_page, self.lanes).any(1)
                changed += differs.sum(0)
        return (changed * PAGE).cpu().tolist()

    def results(self) -> list[BatchLaneResult]:
        status = self.status.cpu().tolist()
        pcs = self.pc.cpu().tolist()
        last = self.last_pc.cpu().tolist()
        retired = self.retired.cpu().tolist()
        a0 = self.regs[A0].cpu().tolist()
        written = self.written_bytes()
        stdout, stderr = self.written_output()
        out = []
        for lane in range(self.lanes):
            code, trap, exit_code = status[lane], None, None
            if code == EXITED:
                exit_code = a0[lane] & 0xFF
            elif code in (RUNNING, SYSCALL):  # pragma: no cover - the loop ends every lane
                raise AssertionError(f"lane {lane} did not finish")
            else:
                trap = self.trap(lane, code, pcs[lane], last[lane] if retired[lane] else None)
            out.append(BatchLaneResult(
                output=stdout[lane], exit_code=exit_code, retired_instructions=retired[lane],
                trap=trap, stderr=stderr[lane], written_bytes=written[lane],
            ))  # fmt: skip
        return out

    def trap(self, lane: int, code: int, pc: int, last_pc: int | None) -> Trap:
        """The Trap rv-ref raises for this lane's final state (messages as rv-ref words them)."""
        program = self.programs[lane]
        if code == T_HOST:
            return self.host_traps[lane]
        if code == T_STEP:
            return Trap("step_limit", pc, f"step limit of {self.limits.max_steps} reached",
                        program.lines.get(pc))  # fmt: skip
        if code == T_FETCH:
            came_from = f" after pc 0x{last_pc:08x}" if last_pc is not None else ""
            return Trap(
                "memory_fault", pc,
                f"instruction fetch from 0x{pc:08x}{came_from}: code is fetched from aligned "
                f"addresses in .text (0x{program.text_start:08x}..0x{program.text_end:08x})",
                program.lines.get(last_pc),
            )  # fmt: skip
        if code == T_ILLEGAL:
            message = self.decoded[self.prog_of_lane[lane]].illegal[pc]
            return Trap("illegal_instruction", pc, message, program.lines.get(pc))
        if code == T_BREAK:
            return Trap("breakpoint", pc, "ebreak executed", program.lines.get(pc))
        if code == T_MEMORY:  # registers are as they were: recompute the address
            image = self.images[self.prog_of_lane[lane]]
            d = decode(int.from_bytes(image[pc - BASE : pc - BASE + 4].tobytes(), "little"))
            address = (int(self.regs[d.rs1, lane]) + d.imm) & MASK
            write = d.mnemonic in STORES
            width = STORES[d.mnemonic] if write else LOADS[d.mnemonic][0]
            try:
                check_access(program, _Sized(self.limits.memory_size), pc, address, width, write)
            except Trap as trap:
                return trap
        raise AssertionError(f"lane {lane}: status {code}")  # pragma: no cover


def run_batch(
    programs: Program | list[Program],
    stdins: list[bytes],
    limits: Limits | None = None,
    device: str | torch.device = "cpu",
    check_every: int = 64,
    max_memory_bytes: int | None = None,
    compile: bool = False,
) -> BatchResults:
    """Run every (program, stdin) lane to its end in lockstep; one result per lane, in order.

    `programs` is one Program for all lanes or a list with one Program per lane. The host checks
    every `check_every` steps whether lanes still run and services parked syscalls.
    `max_memory_bytes` caps lanes x (memory_size - 0x10000) (default 8 GiB on CPU, 80% of the
    free device memory on CUDA). `compile=True` runs each step through torch.compile (the first
    call for a batch size compiles, which takes seconds).
    """
    limits = limits or Limits()
    dev = _resolve_device(device)
    stdins = [bytes(s) for s in stdins]
    if isinstance(programs, Program):
        programs = [programs] * len(stdins)
    else:
        programs = list(programs)
        if len(programs) != len(stdins):
            raise ValueError(f"{len(programs)} programs for {len(stdins)} inputs: give one per lane")
    if check_every < 1:
        raise ValueError(f"check_every must be >= 1, got {check_every}")
    out = BatchResults()
    out.device, out.compiled = str(dev), bool(compile)
    if not stdins:
        return out
    batch = _Batch(programs, stdins, limits, dev, max_memory_bytes)
    steps_fn = _compiled_steps() if compile else _steps
    running = int((batch.status == RUNNING).sum())
    max_retired = 0
    start = time.perf_counter()
    while running:
        check_limit = max_retired + check_every + 1 > limits.max_steps  # +1: a serviced syscall
        try:
            batch.advance(steps_fn, check_every, check_limit, out.compiled)
        except torch._dynamo.exc.BackendCompilerFailed as err:  # before any step ran
            if not out.compiled or out.steps:
                raise
            warnings.warn(f"rv-batch: torch.compile failed, running eagerly ({err})", stacklevel=2)
            out.compiled, steps_fn = False, _steps
            continue
        out.steps += check_every
        out.checks += 1
        status = batch.status
        summary = torch.stack([(status == RUNNING).sum(), (status == SYSCALL).sum(), batch.retired.max()])
        running, pending, max_retired = summary.tolist()
        if pending:
            out.syscalls += pending
            running += batch.service()
    out.stepping_seconds = time.perf_counter() - start
    out.extend(batch.results())
    return out
