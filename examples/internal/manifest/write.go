package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile replaces the contents of the file at path with data,
// atomically: data goes to a temporary file in the same folder, which
// then takes the file's place, so a reader sees the old file or the new
// one, never a mix, and a failure leaves the old file as it was. The file
// keeps its permission bits; a symbolic link is followed, so the file it
// points at is replaced and the link stays. before is what the caller
// read from the file: when the file no longer holds exactly that (someone
// edited it meanwhile), WriteFile refuses and changes nothing.
func WriteFile(path string, before, data []byte) (err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(real)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write next to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	now, err := os.ReadFile(real)
	if err != nil {
		return err
	}
	if !bytes.Equal(now, before) {
		return errors.New(path + " changed on disk while it was being rewritten; nothing was written, run again")
	}
	return os.Rename(tmp.Name(), real)
}
