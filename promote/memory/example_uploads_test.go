package memory_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/imagetags/imagetags/promote/memory"
)

func ExampleRegistry_SetUploadLimits() {
	reg := memory.New()
	// A suite that pushes nothing bigger than 1 GiB, at most 8 at a time,
	// and wants abandoned sessions gone after a minute.
	err := reg.SetUploadLimits(memory.UploadLimits{
		MaxBlobSize:     1 << 30,
		MaxSessions:     8,
		MaxSessionBytes: 8 << 30,
		IdleTimeout:     time.Minute,
	})
	fmt.Println(err)
	fmt.Println(reg.UploadLimits().MaxSessions)

	// Zero fields take the defaults; impossible combinations are refused.
	err = reg.SetUploadLimits(memory.UploadLimits{MaxBlobSize: 2 << 30, MaxSessionBytes: 1 << 30})
	fmt.Println(err != nil)
	fmt.Println(memory.DefaultUploadLimits().MaxBlobSize >> 30)
	// Output:
	// <nil>
	// 8
	// true
	// 8
}

func ExampleRegistry_SetClock() {
	reg := memory.New()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	reg.SetClock(func() time.Time { return now })
	h := reg.Handler()
	serve := func(method, target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec
	}

	session := serve("POST", "/v2/team/app/blobs/uploads/").Header().Get("Location")
	fmt.Println(serve("GET", session).Code)
	now = now.Add(memory.DefaultIdleTimeout) // no sleeping: move the clock
	fmt.Println(serve("GET", session).Code)
	// Output:
	// 204
	// 404
}

func Example_catalog() {
	reg := memory.New()
	_, _ = reg.Seed(
		memory.Image{Repository: "team/web", Tags: []string{"1"}},
		memory.Image{Repository: "team/api", Tags: []string{"1"}},
		memory.Image{Repository: "ops/proxy", Tags: []string{"1"}},
	)
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v2/_catalog?n=2")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Header.Get("Link"))
	fmt.Println(strings.TrimSpace(string(body)))
	// Output:
	// </v2/_catalog?last=team%2Fapi&n=2>; rel="next"
	// {"repositories":["ops/proxy","team/api"]}
}
