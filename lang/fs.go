package lang

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// FS is the file access of a Thread. Every builtin that reads or writes a
// file (read_csv, read_json, write_csv, plot, save, load, and any added
// later) goes through the Thread's FS, by Thread.ReadFile and
// Thread.WriteFile, never through package os (a test of package stdlib
// checks its sources): what an FS refuses no builtin can reach.
//
// Names are the paths as the script wrote them. An FS returns errors
// whose message names the path as given, never a directory of the host.
type FS interface {
	// Open opens the file name for reading.
	Open(name string) (io.ReadCloser, error)
	// Create creates or truncates the file name for writing.
	Create(name string) (io.WriteCloser, error)
}

// ErrNoFileAccess is the error of every file of NoFiles.
var ErrNoFileAccess = errors.New("file access is disabled in this interpreter (the embedding program gave it no directory)")

// ErrOutside is the error of a path that leads outside the directory of
// a DirFS: an absolute path, one with "..", or one through a link that
// leaves the directory.
var ErrOutside = errors.New("the path leads outside the interpreter's directory")

// HostFS is the file access of a trusted script, as a Go program has it:
// relative paths are resolved against the process's working directory,
// absolute paths and links are followed. It is the FS of the zero Thread
// (the command-line tool and the REPL run a user's own scripts).
type HostFS struct{}

// Open opens name with os.Open.
func (HostFS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// Create creates name with os.Create.
func (HostFS) Create(name string) (io.WriteCloser, error) { return os.Create(name) }

// NoFiles is the file access of a sandboxed interpreter without a
// directory: every file is ErrNoFileAccess.
var NoFiles FS = noFiles{}

type noFiles struct{}

func (noFiles) Open(name string) (io.ReadCloser, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNoFileAccess}
}

func (noFiles) Create(name string) (io.WriteCloser, error) {
	return nil, &fs.PathError{Op: "create", Path: name, Err: ErrNoFileAccess}
}

// DirFS returns the file access of a sandboxed interpreter: the files
// beneath dir, through an os.Root opened on dir for each access. A path
// must be local (filepath.IsLocal: not absolute, no ".." that climbs out,
// not empty); links are followed only while they stay beneath dir
// (os.Root's rule: a link that leaves dir, or an absolute link, is
// refused); only regular files are opened (not a directory, a device or a
// named pipe that could block). Refusals are ErrOutside. Hard links
// and bind mounts that the host put in dir are not detected: they are
// the host's choice.
func DirFS(dir string) FS { return dirFS(dir) }

type dirFS string

// check rejects a path that is not local before the root sees it, so
// that the error is ErrOutside whatever os.Root's own message is.
func (d dirFS) check(op, name string) error {
	if !filepath.IsLocal(name) {
		return &fs.PathError{Op: op, Path: name, Err: ErrOutside}
	}
	return nil
}

func (d dirFS) root(op, name string) (*os.Root, error) {
	if err := d.check(op, name); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(string(d))
	if err != nil {
		// The host's directory is not the script's business: no path.
		return nil, &fs.PathError{Op: op, Path: name, Err: errors.New("the interpreter's directory cannot be opened")}
	}
	return r, nil
}

// rootErr makes an error of os.Root name the script's path and turn an
// escape into ErrOutside.
func rootErr(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	if err.Error() == "path escapes from parent" { // os.Root's unexported errPathEscapes
		err = ErrOutside
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// regular fails unless f is a regular file.
func regular(op, name string, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return rootErr(op, name, err)
	}
	if st.IsDir() {
		return &fs.PathError{Op: op, Path: name, Err: errors.New("is a directory")}
	}
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: op, Path: name, Err: errors.New("not a regular file")}
	}
	return nil
}

func (d dirFS) Open(name string) (io.ReadCloser, error) {
	r, err := d.root("open", name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// Refuse a named pipe or device before opening it: opening a pipe
	// blocks until a writer comes.
	if st, err := r.Stat(name); err != nil {
		return nil, rootErr("open", name, err)
	} else if !st.Mode().IsRegular() && !st.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, rootErr("open", name, err)
	}
	if err := regular("open", name, f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (d dirFS) Create(name string) (io.WriteCloser, error) {
	r, err := d.root("create", name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if st, err := r.Stat(name); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return nil, &fs.PathError{Op: "create", Path: name, Err: errors.New("is a directory")}
		}
		return nil, &fs.PathError{Op: "create", Path: name, Err: errors.New("not a regular file")}
	}
	f, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, rootErr("create", name, err)
	}
	return f, nil
}

// fs returns the thread's FS (HostFS when it has none).
func (th *Thread) fs() FS {
	if th.FS == nil {
		return HostFS{}
	}
	return th.FS
}

// ReadFile reads the file name through the thread's FS. Its error reads
// `cannot read "name": reason`, with the path as the script wrote it.
func (th *Thread) ReadFile(name string) ([]byte, error) {
	f, err := th.fs().Open(name)
	if err != nil {
		return nil, fileError("read", name, err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if st, ok := f.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Size() > 0 && fi.Size() < 1<<40 {
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fileError("read", name, err)
	}
	return buf.Bytes(), nil
}

// WriteFile creates or truncates the file name through the thread's FS
// and writes data to it. Errors are as for ReadFile ("cannot write").
func (th *Thread) WriteFile(name string, data []byte) error {
	w, err := th.fs().Create(name)
	if err != nil {
		return fileError("write", name, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fileError("write", name, err)
	}
	if err := w.Close(); err != nil {
		return fileError("write", name, err)
	}
	return nil
}

// FileError is an error of Thread.ReadFile or Thread.WriteFile: the
// operation, the path as the script wrote it and the cause (ErrOutside,
// ErrNoFileAccess, fs.ErrNotExist, ...).
type FileError struct {
	Op, Path string
	Err      error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("cannot %s %s: %v", e.Op, QuotePath(e.Path), e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// fileError strips the *fs.PathError of err (whose message repeats the
// path, perhaps as the FS resolved it) and keeps the cause.
func fileError(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &FileError{Op: op, Path: name, Err: err}
}

// QuotePath quotes a script's path for an error message, shortening a
// long one to its first and last 40 bytes.
func QuotePath(p string) string {
	if len(p) > 100 {
		return strconv.Quote(p[:40]) + "..." + strconv.Quote(p[len(p)-40:]) + " (" + strconv.Itoa(len(p)) + " bytes)"
	}
	return strconv.Quote(p)
}
