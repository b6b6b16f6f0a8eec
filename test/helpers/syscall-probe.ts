// A static x86-64 Linux program that makes one system call and exits with its errno (0 when the call
// succeeded): the smallest real binary that can ask a seccomp filter a question, with no compiler.
// `abi` picks the entry a filter must also cover: the 64-bit `syscall`, the same with the x32 bit set
// in the number, or the i386 table through `int 0x80` (a 64-bit process may use it when the kernel
// has IA32 emulation).

export type ProbeAbi = 'x64' | 'x32' | 'i386';

const X32_SYSCALL_BIT = 0x40000000;
const BASE = 0x400000;
const HEADERS = 64 + 56; // ELF header + one program header

function le(n: bigint | number, bytes: number): number[] {
  let v = BigInt.asUintN(bytes * 8, BigInt(n));
  const out: number[] = [];
  for (let i = 0; i < bytes; i++, v >>= 8n) out.push(Number(v & 0xffn));
  return out;
}

function code(abi: ProbeAbi, nr: number, args: readonly [number, number, number]): number[] {
  const call =
    abi === 'i386'
      ? // mov eax/ebx/ecx/edx, imm32; int 0x80; movsxd rax, eax (the 32-bit result, sign-extended)
        [0xb8, ...le(nr, 4), 0xbb, ...le(args[0], 4), 0xb9, ...le(args[1], 4), 0xba, ...le(args[2], 4), 0xcd, 0x80, 0x48, 0x63, 0xc0]
      : // movabs rax/rdi/rsi/rdx, imm64; syscall
        [
          ...[0x48, 0xb8, ...le(abi === 'x32' ? nr | X32_SYSCALL_BIT : nr, 8)],
          ...[0x48, 0xbf, ...le(args[0], 8), 0x48, 0xbe, ...le(args[1], 8), 0x48, 0xba, ...le(args[2], 8)],
          ...[0x0f, 0x05],
        ];
  // rdi = -rax; a result outside -4095..-1 is a success (exit 0); exit(rdi)
  const exit = [0x48, 0x89, 0xc7, 0x48, 0xf7, 0xdf, 0x48, 0x81, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x76, 0x02, 0x31, 0xff, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05];
  return [...call, ...exit];
}

/** The program's bytes (mode 0755 it when writing it). */
export function syscallProbe(abi: ProbeAbi, nr: number, args: readonly [number, number, number] = [0, 0, 0]): Buffer {
  const text = code(abi, nr, args);
  const size = HEADERS + text.length;
  const elf = [
    ...[0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...le(0, 8)], // ELF64, little-endian, version 1, System V
    ...le(2, 2), // ET_EXEC
    ...le(0x3e, 2), // EM_X86_64
    ...le(1, 4),
    ...le(BASE + HEADERS, 8), // entry
    ...le(64, 8), // program headers' offset
    ...le(0, 8), // no section headers
    ...le(0, 4),
    ...[...le(64, 2), ...le(56, 2), ...le(1, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2)],
    // PT_LOAD of the whole file, read + execute
    ...[...le(1, 4), ...le(5, 4), ...le(0, 8), ...le(BASE, 8), ...le(BASE, 8), ...le(size, 8), ...le(size, 8), ...le(0x1000, 8)],
  ];
  return Buffer.from([...elf, ...text]);
}
