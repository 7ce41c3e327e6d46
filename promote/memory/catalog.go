package memory

import (
	"context"
	"iter"
	"maps"
	"slices"
	"strings"
)

// reposLocked iterates over every repository and its name, in no order;
// r.mu must be held.
func (r *Registry) reposLocked() iter.Seq2[string, *repository] {
	return maps.All(r.repos)
}

// catalog returns up to n repository names sorted after last, and whether
// more follow; n < 0 means all. A repository is listed once it holds a
// manifest: blobs alone, such as an upload's, do not make one appear.
func (r *Registry) catalog(ctx context.Context, last string, n int) ([]string, bool, error) {
	if err := r.begin(ctx, OpCatalog, ""); err != nil {
		return nil, false, err
	}
	r.mu.RLock()
	var names []string
	for name, rp := range r.reposLocked() {
		if name > last && len(rp.manifests) > 0 {
			names = append(names, name)
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(names, strings.Compare)
	if n >= 0 && len(names) > n {
		return names[:n], true, nil
	}
	return names, false, nil
}
