package localpg

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNoServerBinaries(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()

	_, err := findBinaries("", []string{filepath.Join(empty, "*", "bin"), empty})
	require.ErrorIs(t, err, ErrNoServerBinaries)
	require.Contains(t, err.Error(), "apt-get install postgresql")
	require.Contains(t, err.Error(), "DATABASE_URL")
}

func TestStartWithoutServerBinaries(t *testing.T) {
	t.Parallel()
	// PATH empty and the search directories overridden.
	dataDir := filepath.Join(t.TempDir(), "data")
	srv, err := start(context.Background(), Options{DataDir: dataDir}, "", []string{filepath.Join(t.TempDir(), "*", "bin")})
	require.Nil(t, srv)
	require.ErrorIs(t, err, ErrNoServerBinaries)
	require.Contains(t, err.Error(), "install PostgreSQL")
	require.NoDirExists(t, dataDir, "nothing is created without binaries")
}

func TestFindBinariesPrefersPathThenHighestVersion(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mk := func(dir string) string {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, name := range []string{"initdb", "pg_ctl"} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755))
		}
		return dir
	}
	mk(filepath.Join(root, "lib", "9.6", "bin"))
	v15 := mk(filepath.Join(root, "lib", "15", "bin"))
	mk(filepath.Join(root, "lib", "10", "bin"))
	// Only one of the two programs: not a candidate.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "lib", "17", "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib", "17", "bin", "pg_ctl"), []byte("#!/bin/sh\n"), 0o755))
	onPath := mk(filepath.Join(root, "path"))

	b, err := findBinaries("", []string{filepath.Join(root, "lib", "*", "bin")})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(v15, "initdb"), b.initdb)
	require.Equal(t, filepath.Join(v15, "pg_ctl"), b.pgCtl)

	b, err = findBinaries(filepath.Join(root, "nothing")+string(os.PathListSeparator)+onPath, []string{filepath.Join(root, "lib", "*", "bin")})
	require.NoError(t, err)
	require.Equal(t, filepath.Join(onPath, "pg_ctl"), b.pgCtl)
}

func TestQuoteConnValue(t *testing.T) {
	t.Parallel()
	require.Equal(t, "/tmp/x", quoteConnValue("/tmp/x"))
	require.Equal(t, `'/tmp/a b'`, quoteConnValue("/tmp/a b"))
	require.Equal(t, `'it\'s\\'`, quoteConnValue(`it's\`))
	require.Equal(t, `''`, quoteConnValue(""))
}
