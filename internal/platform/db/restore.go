package db

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Restore puts a backup made by Backup in place as the SQLite database of dataDir. The server
// must be stopped. The backup is checked first (it must open and pass SQLite's integrity
// check); a database already there is kept beside it, renamed with the time, never deleted.
// It returns the name the old database was kept under, if there was one.
func Restore(ctx context.Context, backup, dataDir string) (kept string, err error) {
	if st, err := os.Stat(backup); err != nil || st.IsDir() {
		return "", fmt.Errorf("there is no backup file at %s; nothing was changed", backup)
	}
	b, err := OpenSQLiteFile(ctx, backup)
	if err != nil {
		return "", fmt.Errorf("the backup %s cannot be opened: %w", backup, err)
	}
	var check string
	err = b.Read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)
	b.Close()
	if err != nil || check != "ok" {
		return "", fmt.Errorf("the backup %s is damaged (integrity check: %q %v); nothing was changed", backup, check, err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", err
	}
	target := filepath.Join(dataDir, "roundtable.db")
	if _, err := os.Stat(target); err == nil {
		kept = target + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		// The write-ahead log belongs to the old database: it moves with it, or SQLite
		// would replay it into the restored one.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(target + suffix); err == nil {
				if err := os.Rename(target+suffix, kept+suffix); err != nil {
					return "", fmt.Errorf("keep the current database aside: %w", err)
				}
			}
		}
	}
	if err := copyFile(backup, target+".restoring"); err != nil {
		return kept, err
	}
	if err := os.Rename(target+".restoring", target); err != nil {
		return kept, err
	}
	return kept, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
