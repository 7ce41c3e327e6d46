package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/imagetags/imagetags/promote"
)

// dockerConfig is what the backend learns from a Docker CLI config file
// before any request: every credential value in it, so that none can
// reach an error, and the hosts whose entry cannot be used.
type dockerConfig struct {
	file      string
	secrets   []string
	malformed map[string]bool // host -> its "auth" is not base64 of user:password
}

// dockerHubKeys are the names Docker Hub's credentials are stored and
// asked for under.
var dockerHubKeys = []string{"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"}

// dockerConfigPath is the file the Docker CLI reads: path, or
// $DOCKER_CONFIG/config.json, or ~/.docker/config.json.
func dockerConfigPath(path string) string {
	if path != "" {
		return path
	}
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// readDockerConfig reads the credential values of the config at path. A
// missing file holds none. Errors never quote the file's content.
func readDockerConfig(path string) (dockerConfig, error) {
	cfg := dockerConfig{file: dockerConfigPath(path), malformed: map[string]bool{}}
	if cfg.file == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(cfg.file)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("remote: reading docker config %s: %w", cfg.file, err)
	}
	var doc struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
			RegistryToken string `json:"registrytoken"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		// json's syntax errors give an offset, never the text around it,
		// but type errors can name a value: say only where.
		return cfg, fmt.Errorf("remote: docker config %s is not a valid config file (want {\"auths\": {host: {\"auth\": base64(user:password)}}})", cfg.file)
	}
	for key, e := range doc.Auths {
		cfg.secrets = append(cfg.secrets, e.Auth, e.Password, e.IdentityToken, e.RegistryToken)
		if e.Auth == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(e.Auth)
		if err == nil {
			cfg.secrets = append(cfg.secrets, string(raw))
		}
		user, pw, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok || user == "" {
			for _, h := range hostsOf(key) {
				cfg.malformed[h] = true
			}
			continue
		}
		cfg.secrets = append(cfg.secrets, pw)
	}
	return cfg, nil
}

// hostsOf returns the hosts a config key serves: the key without scheme
// and path, and for Docker Hub every name it goes by.
func hostsOf(key string) []string {
	h := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	for _, hub := range dockerHubKeys {
		if key == hub || h == hub {
			return dockerHubKeys
		}
	}
	return []string{h}
}

// guard wraps a credential source read from cfg: a host whose entry is
// malformed is refused with an error that carries no part of the entry,
// and any other lookup error is scrubbed of every value the file holds.
func (cfg dockerConfig) guard(f auth.CredentialFunc) auth.CredentialFunc {
	scrub := newSecrets(cfg.secrets...)
	return func(ctx context.Context, host string) (auth.Credential, error) {
		if cfg.malformed[host] {
			return auth.EmptyCredential, &credentialError{msg: fmt.Sprintf(
				"docker config %s: the entry for %s has an \"auth\" value that is not base64 of user:password (its value is left out of this message); run docker login %s again, or fix or remove the entry",
				cfg.file, host, host)}
		}
		c, err := f(ctx, host)
		if err != nil {
			return auth.EmptyCredential, &credentialError{msg: "docker config " + cfg.file + ": reading the credentials for " + host + ": " + scrub.redact(err.Error())}
		}
		return c, nil
	}
}

// credentialError is a credential lookup that failed. Its text is already
// scrubbed, and it wraps nothing, so no unscrubbed cause can be reached.
type credentialError struct{ msg string }

func (e *credentialError) Error() string { return e.msg }

// Is makes the error match promote.ErrUnauthorized: without usable
// credentials the registry cannot be asked.
func (e *credentialError) Is(target error) bool { return target == promote.ErrUnauthorized }
