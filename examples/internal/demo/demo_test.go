package demo

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/reference"
)

func TestSeed(t *testing.T) {
	reg, cat, err := Seed()
	require.NoError(t, err)
	d, err := reg.Resolve(context.Background(), reference.MustParse("acmecorp/payment-api:production"))
	require.NoError(t, err)
	assert.Equal(t, cat.PaymentAPI240, d.Digest.String())
	d, err = reg.Resolve(context.Background(), reference.MustParse("mycorp/myproject:v1.3.1"))
	require.NoError(t, err)
	assert.Equal(t, cat.Myproj131New, d.Digest.String())
	assert.NotEqual(t, cat.Myproj131, cat.Myproj131New)
}

func TestOpenRemote(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials
	fake, cat, err := Seed()
	require.NoError(t, err)
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	reg, err := Open(host)
	require.NoError(t, err)
	d, err := reg.Resolve(context.Background(), reference.MustParse(host+"/acmecorp/payment-api:staging"))
	require.NoError(t, err)
	assert.Equal(t, cat.PaymentAPI241, d.Digest.String())

	_, err = Open("not a host")
	assert.Error(t, err)
}
