# rle.s -- run-length encoding of a word.
#
# Input : one line: a word of lowercase letters a-z (length >= 1), final
#         newline optional.
# Output: one line: each maximal run of equal letters written as its
#         length in decimal followed by the letter ("aaabcc" -> "3a1b2c",
#         "zzzzzzzzzzzz" -> "12z"), then "\n".
# Limits: up to 32768 characters (the output is at most twice as long).
#
# Method: from the start of each run, scan forward while the letter stays
# the same; append the run length (put_uint) and the letter; continue from
# the end of the run.

        .equ LINE_CAP, 32768       # size of line_buf

        .text
        .globl _start
_start:
        call read_line             # a0 = n
        la   s0, line_buf          # s0 = start of the current run
        add  s1, s0, a0            # s1 = end of the line
        la   a1, out_buf           # a1 = output pointer
rle_run:
        bgeu s0, s1, rle_done
        lbu  s2, 0(s0)             # s2 = the run's letter
        addi s3, s0, 1             # s3 = scans to the end of the run
1:      bgeu s3, s1, 2f
        lbu  t0, 0(s3)
        bne  t0, s2, 2f            # a different letter ends the run
        addi s3, s3, 1
        j    1b
2:      sub  a0, s3, s0            # run length
        call put_uint              # count ...
        sb   s2, 0(a1)             # ... then the letter
        addi a1, a1, 1
        mv   s0, s3                # next run
        j    rle_run
rle_done:
        li   t0, 10
        sb   t0, 0(a1)             # "\n"
        addi a1, a1, 1
        la   t0, out_buf
        sub  a2, a1, t0            # length
        mv   a1, t0
        call write_all
        j    exit_ok

# ---------------------------------------------------------------------------
# read_line: read the single input line into line_buf.
#   A read syscall may return fewer bytes than asked, so read in a loop
#   until a '\n' shows up, end of input (read returns 0), or line_buf is
#   full.  The '\n' (if any) is not counted.
#   Out: a0 = number of bytes in the line.
#   Clobbers a1, a2, a7, t0-t4.
# ---------------------------------------------------------------------------
read_line:
        la   t0, line_buf          # t0 = where the next byte goes
        li   t1, LINE_CAP
        add  t1, t0, t1            # t1 = end of line_buf
rl_read:
        bgeu t0, t1, rl_done       # buffer full: stop reading
        li   a0, 0                 # fd 0 = stdin
        mv   a1, t0
        sub  a2, t1, t0            # room left
        li   a7, 63                # read
        ecall
        blez a0, rl_done           # 0 = end of input, < 0 = error
        add  t2, t0, a0            # t2 = end of the bytes just read
        li   t3, 10                # '\n'
rl_scan:
        lbu  t4, 0(t0)
        beq  t4, t3, rl_done       # newline: the line ends here
        addi t0, t0, 1
        bltu t0, t2, rl_scan
        j    rl_read               # no newline yet: read more
rl_done:
        la   t1, line_buf
        sub  a0, t0, t1            # length = end - start
        ret

# ---------------------------------------------------------------------------
# put_uint: append the decimal form of a0 (unsigned, no leading zeros) at
#   a1.  The digits come out lowest first, so they are collected on the
#   stack and then copied out in the right order.
#   In : a0 = value, a1 = output pointer.   Out: a1 = just past the digits.
#   Clobbers a0, t0-t2.
# ---------------------------------------------------------------------------
put_uint:
        addi sp, sp, -16           # room for the (at most 10) digits
        mv   t0, sp                # t0 = next free digit slot
        li   t1, 10
pu_div:
        remu t2, a0, t1            # lowest digit
        divu a0, a0, t1
        addi t2, t2, 48            # + '0'
        sb   t2, 0(t0)
        addi t0, t0, 1
        bnez a0, pu_div
pu_copy:
        addi t0, t0, -1            # copy back, highest digit first
        lbu  t2, 0(t0)
        sb   t2, 0(a1)
        addi a1, a1, 1
        bne  t0, sp, pu_copy
        addi sp, sp, 16
        ret

# ---------------------------------------------------------------------------
# write_all: write a2 bytes starting at a1 to stdout, looping on short
#   writes.  Clobbers a0, a1, a2, a7.
# ---------------------------------------------------------------------------
write_all:
        blez a2, wa_done           # nothing (left) to write
        li   a0, 1                 # fd 1 = stdout
        li   a7, 64                # write
        ecall
        blez a0, wa_done           # error: give up
        add  a1, a1, a0            # skip what was written
        sub  a2, a2, a0
        j    write_all
wa_done:
        ret

# ---------------------------------------------------------------------------
# exit_ok: exit(0).
# ---------------------------------------------------------------------------
exit_ok:
        li   a0, 0
        li   a7, 93                # exit
        ecall

        .bss
line_buf:
        .space 32768               # LINE_CAP
out_buf:
        .space 65544               # up to 2 bytes per character + "\n"
