package main

import (
	"context"
	"errors"
)

func newPostgres(ctx context.Context) (*database, error) {
	return nil, errors.New("PostgreSQL is not built in yet")
}

func openPostgres(ctx context.Context, url string) (store, error) {
	return nil, errors.New("PostgreSQL is not built in yet")
}
