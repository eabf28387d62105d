package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// dirBackend keeps blobs as files under dir/ab/cd/abcd….
type dirBackend struct {
	dir string
}

func openDir(dir string) (*dirBackend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	// Citizens' files: readable by the server's own user only.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &dirBackend{dir: dir}, nil
}

func (d *dirBackend) String() string { return d.dir }

func (d *dirBackend) path(key string) string {
	return filepath.Join(d.dir, key[:2], key[2:4], key)
}

func (d *dirBackend) put(_ context.Context, key, tmp string, _ int64, _ string) error {
	path := d.path(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if filepath.Dir(tmp) == d.dir {
		return os.Rename(tmp, path)
	}
	// Spooled elsewhere (a copy into this store): copy, then rename.
	in, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(d.dir, ".incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(out.Name(), path)
}

// osFile is an open file that tells its size.
type osFile struct {
	*os.File
	size int64
}

func (f osFile) Size() int64 { return f.size }

func (d *dirBackend) open(_ context.Context, key string) (File, error) {
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return osFile{f, st.Size()}, nil
}

func (d *dirBackend) has(_ context.Context, key string) (bool, error) {
	_, err := os.Stat(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (d *dirBackend) delete(_ context.Context, key string) error {
	err := os.Remove(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (d *dirBackend) keys(ctx context.Context, fn func(string) error) error {
	return filepath.WalkDir(d.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.Type().IsRegular() && validKey(e.Name()) && p == d.path(e.Name()) {
			return fn(e.Name())
		}
		return nil
	})
}
