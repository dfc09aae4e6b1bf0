# mul.s -- product of two big non-negative decimal integers.
#
# Input : one line "A B": two non-negative decimal integers separated by a
#         space, final newline optional.
# Output: one line: A*B in decimal, no leading zeros, then "\n".
# Limits: the input line may be up to 8192 bytes, so A and B may have up to
#         8190 digits between them (e.g. 4095 digits each; time grows with
#         digits(A) * digits(B)).  Leading zeros in the input are tolerated.
#
# Method: copy the digits of A and B into byte arrays da/db, lowest digit
# first, as values 0..9.  Schoolbook multiplication into a word array acc
# (one word per result digit, lowest first): acc[i+j] += da[i]*db[j], with
# no carrying inside the double loop (a word holds at most
# 81 * 4095 < 2^31).  A final pass propagates the carries, turning acc into
# decimal digits written right-to-left into out_buf; leading zeros are
# then skipped (keeping one digit).

        .equ LINE_CAP, 8192        # size of line_buf, da, db
        .equ OUT_CAP, 8200         # size of out_buf (> la + lb + "\n")

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   s0, line_buf
        add  s1, s0, a0            # s1 = end of the line

        mv   a1, s0                # find A
        mv   a2, s1
        call next_number
        mv   s2, a0                # s2 = first digit of A
        mv   s3, a3                # s3 = la = number of digits of A
        call next_number           # find B (a1 is just past A)
        mv   s4, a0                # s4 = first digit of B
        mv   s5, a3                # s5 = lb

        mv   a0, s2                # da = digits of A, lowest first
        mv   a1, s3
        la   a2, da
        call load_digits
        mv   a0, s4                # db = digits of B, lowest first
        mv   a1, s5
        la   a2, db
        call load_digits

        # Clear acc[0 .. la+lb).
        add  s6, s3, s5            # s6 = la + lb = room for the product
        la   t0, acc
        slli t1, s6, 2
        add  t1, t0, t1
1:      sw   zero, 0(t0)
        addi t0, t0, 4
        bltu t0, t1, 1b

        # acc[i+j] += da[i] * db[j] for all i < la, j < lb.
        la   t0, da                # t0 = &da[i]
        add  t1, t0, s3            # t1 = &da[la] (end)
        la   t2, acc               # t2 = &acc[i]
        la   t6, db
        add  a4, t6, s5            # a4 = &db[lb] (end)
mul_outer:
        lbu  t3, 0(t0)             # t3 = da[i]
        beqz t3, mul_next_i        # a zero digit adds nothing
        mv   t4, t6                # t4 = &db[j], j = 0
        mv   t5, t2                # t5 = &acc[i+j]
mul_inner:
        lbu  a0, 0(t4)             # db[j]
        mul  a0, a0, t3            # da[i] * db[j]
        lw   a1, 0(t5)
        add  a1, a1, a0
        sw   a1, 0(t5)
        addi t4, t4, 1
        addi t5, t5, 4
        bltu t4, a4, mul_inner
mul_next_i:
        addi t0, t0, 1
        addi t2, t2, 4
        bltu t0, t1, mul_outer

        # Carry pass: acc[k] + carry -> digit k of the product.
        la   s7, out_buf           # s7 = write pointer, moves left
        li   t0, OUT_CAP
        add  s7, s7, t0
        addi s7, s7, -1
        li   t0, 10
        sb   t0, 0(s7)             # the product ends with "\n"
        la   t0, acc               # t0 = &acc[k]
        slli t1, s6, 2
        add  t1, t0, t1            # t1 = &acc[la+lb] (end)
        li   t2, 0                 # t2 = carry
        li   t3, 10
carry_loop:
        lw   t4, 0(t0)
        add  t4, t4, t2            # column value + carry
        remu t5, t4, t3            # digit
        divu t2, t4, t3            # carry into the next column
        addi t5, t5, 48
        addi s7, s7, -1
        sb   t5, 0(s7)
        addi t0, t0, 4
        bltu t0, t1, carry_loop

        # Skip leading zeros, but keep the digit right before the "\n".
        li   t1, 48                # '0'
        li   t2, 10                # '\n'
2:      lbu  t0, 0(s7)
        bne  t0, t1, 3f
        lbu  t0, 1(s7)
        beq  t0, t2, 3f
        addi s7, s7, 1
        j    2b
3:      mv   a1, s7                # print s7 .. end of out_buf
        la   a2, out_buf
        li   t0, OUT_CAP
        add  a2, a2, t0
        sub  a2, a2, s7
        call write_all
        j    exit_ok

# ---------------------------------------------------------------------------
# load_digits: copy an ASCII digit string into a byte array of digit
#   values, lowest digit first.
#   In : a0 = first (highest) digit, a1 = length, a2 = destination.
#   Clobbers a0, a2, t0, t1.
# ---------------------------------------------------------------------------
load_digits:
        add  t1, a0, a1            # t1 = just past the last digit
ld_loop:
        addi t1, t1, -1            # walk the string backwards
        lbu  t0, 0(t1)
        addi t0, t0, -48           # ASCII -> 0..9
        sb   t0, 0(a2)
        addi a2, a2, 1
        bne  t1, a0, ld_loop
        ret

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
# next_number: find the next run of decimal digits (a big number) in the
#   line, without converting it.
#   In : a1 = scan position, a2 = end of the line.
#   Out: a0 = address of its first significant digit, a3 = number of
#        significant digits (leading zeros dropped, at least one digit
#        kept), a1 = just past the run.  When no digit is left before a2
#        the constant "0" is returned (a0 = zero_str, a3 = 1).
#   Clobbers t0, t1.
# ---------------------------------------------------------------------------
next_number:
        li   t1, 10
nn_skip:
        bgeu a1, a2, nn_none       # end of line: no number
        lbu  t0, 0(a1)
        addi t0, t0, -48           # t0 = c - '0'
        bltu t0, t1, nn_found      # unsigned: 0..9 means a digit
        addi a1, a1, 1
        j    nn_skip
nn_found:
        mv   a0, a1                # a0 = start of the run
nn_run:
        addi a1, a1, 1
        bgeu a1, a2, nn_end
        lbu  t0, 0(a1)
        addi t0, t0, -48
        bltu t0, t1, nn_run
nn_end:
        sub  a3, a1, a0            # a3 = length of the run
        li   t1, 48                # '0'
nn_strip:
        li   t0, 1
        beq  a3, t0, nn_ret        # keep at least one digit
        lbu  t0, 0(a0)
        bne  t0, t1, nn_ret        # first digit is significant
        addi a0, a0, 1             # drop a leading zero
        addi a3, a3, -1
        j    nn_strip
nn_ret:
        ret
nn_none:
        la   a0, zero_str
        li   a3, 1
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

        .section .rodata
zero_str:
        .ascii "0"                 # stands for a missing operand

        .bss
        .align 2
acc:
        .space 32800               # 8200 words: one per product digit
line_buf:
        .space 8192                # LINE_CAP
da:
        .space 8192                # digits of A, lowest first
db:
        .space 8192                # digits of B, lowest first
out_buf:
        .space 8200                # OUT_CAP
