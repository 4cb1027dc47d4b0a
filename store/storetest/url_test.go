package storetest

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"postgres://u:p@localhost:5433/orig?sslmode=disable",
		"postgresql://u@/orig?host=/tmp/sock&dbname=orig",
		"host=/tmp/sock port=5433 user=u dbname=orig sslmode=disable",
		"host=/tmp/sock user=u",
	} {
		cfg, err := pgx.ParseConfig(withDatabase(base, "t_123"))
		require.NoError(t, err, base)
		require.Equal(t, "t_123", cfg.Database, base)
		require.Equal(t, "u", cfg.User, base)
	}
}
