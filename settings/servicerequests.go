package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Report categories and Open311 keys: no live screen.

// SaveService writes (ID 0: adds) a report category.
func (s *Service) SaveService(ctx context.Context, a redazione.Actor, svc *store.Service) error {
	return s.DB.SaveService(ctx, a, svc)
}

// CreateOpen311Key adds an Open311 API key, stored as its hash.
func (s *Service) CreateOpen311Key(ctx context.Context, a redazione.Actor, name, keyHash string) (int64, error) {
	return s.DB.CreateOpen311Key(ctx, a, name, keyHash)
}

// RevokeOpen311Key revokes an Open311 API key.
func (s *Service) RevokeOpen311Key(ctx context.Context, a redazione.Actor, id int64) error {
	return s.DB.RevokeOpen311Key(ctx, a, id)
}
