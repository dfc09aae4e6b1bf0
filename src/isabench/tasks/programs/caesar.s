# caesar.s -- Caesar cipher.
#
# Input : one line "K word": a shift K (0..25), one space, then a word of
#         lowercase letters a-z (length >= 1); final newline optional.
# Output: one line: the word with every letter moved K places forward in
#         the alphabet, wrapping from z back to a; then "\n".
# Limits: the line may be up to 32768 bytes.  K is taken modulo 26; bytes
#         of the word other than a-z are copied as is.
#
# Method: parse K (next_uint), skip the spaces after it; the rest of the
# line is the word.  Each letter c becomes c + K, minus 26 if that passes
# 'z'.  The result is built in place in line_buf, followed by "\n".

        .equ LINE_CAP, 32768       # size of line_buf (one more byte for "\n")

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   a1, line_buf
        add  s1, a1, a0            # s1 = end of the line
        mv   a2, s1
        call next_uint             # a0 = K, a1 = just past it
        li   t0, 26
        remu s2, a0, t0            # s2 = K mod 26
        li   t0, 32                # ' '
1:      bgeu a1, s1, 2f            # skip the spaces before the word
        lbu  t1, 0(a1)
        bne  t1, t0, 2f
        addi a1, a1, 1
        j    1b
2:      mv   s0, a1                # s0 = first letter of the word
        mv   t0, a1                # t0 = current letter
        li   t4, 26
        li   t5, 122               # 'z'
cs_loop:
        bgeu t0, s1, cs_done
        lbu  t1, 0(t0)
        addi t2, t1, -97           # c - 'a'
        bgeu t2, t4, cs_next       # unsigned: not a letter, keep it
        add  t1, t1, s2            # shift forward
        ble  t1, t5, 3f
        addi t1, t1, -26           # went past 'z': wrap around
3:      sb   t1, 0(t0)
cs_next:
        addi t0, t0, 1
        j    cs_loop
cs_done:
        li   t1, 10
        sb   t1, 0(s1)             # "\n" right after the word
        mv   a1, s0
        sub  a2, s1, s0
        addi a2, a2, 1             # word + "\n"
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
# next_uint: parse the next unsigned decimal number in the line.
#   In : a1 = scan position, a2 = end of the line.
#   Out: a3 = 1, a0 = the value, a1 = just past its digits;
#        or a3 = 0 when no digit is left before a2.
#   Any non-digit characters before the number (spaces, ':') are skipped.
#   Clobbers t0, t1.
# ---------------------------------------------------------------------------
next_uint:
        li   t1, 10
nu_skip:
        bgeu a1, a2, nu_none       # end of line: no more numbers
        lbu  t0, 0(a1)
        addi t0, t0, -48           # t0 = c - '0'
        bltu t0, t1, nu_digits     # unsigned: 0..9 means a digit
        addi a1, a1, 1
        j    nu_skip
nu_digits:
        li   a0, 0
nu_loop:
        mul  a0, a0, t1            # value = value * 10 + digit
        add  a0, a0, t0
        addi a1, a1, 1
        bgeu a1, a2, nu_done
        lbu  t0, 0(a1)
        addi t0, t0, -48
        bltu t0, t1, nu_loop
nu_done:
        li   a3, 1
        ret
nu_none:
        li   a3, 0
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
        .space 32772               # LINE_CAP, then room for "\n"
