package storage_test

import (
	"testing"

	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/storage/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return storage.NewMemory() })
}

func TestMemoryZeroValue(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return new(storage.Memory) })
}
