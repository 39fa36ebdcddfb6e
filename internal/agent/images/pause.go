package images

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
)

// ErrUnsupportedArch is returned when no pause program exists for the
// machine's architecture.
var ErrUnsupportedArch = errors.New("images: no pause program for this architecture")

// The pause program is hand-assembled machine code wrapped in a minimal
// static ELF executable. The nauta binary is dynamically linked and far too
// big to be a sandbox image, and building a Go helper at run time would need
// a Go toolchain on every node; a few dozen bytes of code need neither.
//
// It does what a pod's pause container must: block forever, and as PID 1 of
// a shared PID namespace reap orphaned children. In a loop it calls
// wait4(-1, NULL, 0, NULL); when that fails (ECHILD: no children), it sleeps
// one second with nanosleep and tries again. It installs no signal handlers:
// PID 1 of a PID namespace ignores SIGTERM then, and the runtime stops
// sandboxes with SIGKILL.
//
// x86-64 (Linux syscall numbers wait4=61, nanosleep=35):
//
//	0:  bf ff ff ff ff        mov    edi, -1
//	5:  31 f6                 xor    esi, esi
//	7:  31 d2                 xor    edx, edx
//	9:  45 31 d2              xor    r10d, r10d
//	12: b8 3d 00 00 00        mov    eax, 61
//	17: 0f 05                 syscall
//	19: 48 85 c0              test   rax, rax
//	22: 79 e8                 jns    0
//	24: 48 8d 3d 11 00 00 00  lea    rdi, [rip+17]   ; timespec at 48
//	31: 31 f6                 xor    esi, esi
//	33: b8 23 00 00 00        mov    eax, 35
//	38: 0f 05                 syscall
//	40: eb d6                 jmp    0
//	42: 6 bytes padding, then timespec{1, 0} at 48
var pauseAMD64 = []byte{
	0xbf, 0xff, 0xff, 0xff, 0xff,
	0x31, 0xf6,
	0x31, 0xd2,
	0x45, 0x31, 0xd2,
	0xb8, 0x3d, 0x00, 0x00, 0x00,
	0x0f, 0x05,
	0x48, 0x85, 0xc0,
	0x79, 0xe8,
	0x48, 0x8d, 0x3d, 0x11, 0x00, 0x00, 0x00,
	0x31, 0xf6,
	0xb8, 0x23, 0x00, 0x00, 0x00,
	0x0f, 0x05,
	0xeb, 0xd6,
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	0x01, 0, 0, 0, 0, 0, 0, 0, // tv_sec = 1
	0x00, 0, 0, 0, 0, 0, 0, 0, // tv_nsec = 0
}

// pauseCode returns the pause program's machine code and ELF machine for an
// architecture (GOARCH naming).
func pauseCode(arch string) ([]byte, elf.Machine, error) {
	switch arch {
	case "amd64":
		return pauseAMD64, elf.EM_X86_64, nil
	default:
		return nil, 0, fmt.Errorf("%w: %s", ErrUnsupportedArch, arch)
	}
}

// PauseELF returns the pause program as a static ELF executable for arch.
func PauseELF(arch string) ([]byte, error) {
	code, machine, err := pauseCode(arch)
	if err != nil {
		return nil, err
	}
	const base = 0x400000
	headerSize := binary.Size(elf.Header64{}) + binary.Size(elf.Prog64{})
	total := uint64(headerSize + len(code))
	hdr := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     base + uint64(headerSize),
		Phoff:     uint64(binary.Size(elf.Header64{})),
		Ehsize:    uint16(binary.Size(elf.Header64{})),
		Phentsize: uint16(binary.Size(elf.Prog64{})),
		Phnum:     1,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	hdr.Ident[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	prog := elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Off:    0,
		Vaddr:  base,
		Paddr:  base,
		Filesz: total,
		Memsz:  total,
		Align:  0x1000,
	}
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, hdr); err != nil {
		return nil, err
	}
	if err := binary.Write(&b, binary.LittleEndian, prog); err != nil {
		return nil, err
	}
	b.Write(code)
	return b.Bytes(), nil
}

// BuildPause writes the pause image (PauseImage) as dir/pause.tar and
// returns that path.
func BuildPause(dir string) (string, error) {
	program, err := PauseELF(runtime.GOARCH)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "pause.tar")
	err = Write(path, Image{
		Name:       PauseImage,
		Files:      []File{{Path: "/pause", Mode: 0o755, Data: program}},
		Entrypoint: []string{"/pause"},
	})
	if err != nil {
		return "", err
	}
	return path, nil
}
