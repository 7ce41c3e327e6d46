package metadataaction_test

import (
	"fmt"
	"time"

	"github.com/imagetags/imagetags/tagging/metadataaction"
)

func ExampleGenerate() {
	in := metadataaction.Inputs{
		Images: []string{"ghcr.io/Acme/App"},
		Tags: []string{
			"type=semver,pattern={{version}}",
			"type=semver,pattern={{major}}.{{minor}}",
			"type=sha",
		},
	}
	ctx := metadataaction.Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37"}
	res, err := metadataaction.Generate(in, ctx, metadataaction.Repo{}, metadataaction.Options{Now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Version.Main)
	for _, t := range res.Tags {
		fmt.Println(t)
	}
	// Output:
	// 1.2.3
	// ghcr.io/acme/app:1.2.3
	// ghcr.io/acme/app:1.2
	// ghcr.io/acme/app:sha-860c190
	// ghcr.io/acme/app:latest
}

func ExampleGenerate_latestNewest() {
	in := metadataaction.Inputs{
		Tags:   []string{"type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}", "type=semver,pattern={{major}}"},
		Flavor: []string{"latest=newest"},
	}
	// A hotfix on the 1.2 line while 1.3.0 is out: 1 and latest stay on 1.3.0.
	ctx := metadataaction.Context{EventName: "push", Ref: "refs/tags/v1.2.6"}
	opts := metadataaction.Options{Now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), ExistingTags: []string{"1.2.5", "1.2", "1.3.0", "1.3", "1", "latest"}}
	res, _ := metadataaction.Generate(in, ctx, metadataaction.Repo{}, opts)
	fmt.Println(res.TagNames)
	// Output:
	// [1.2.6 1.2]
}

func ExampleParseList() {
	items, _ := metadataaction.ParseList("type=ref,event=branch\n# a comment\ntype=match,\"pattern=^v(\\d+)\",group=1\n")
	for _, it := range items {
		fmt.Println(it)
	}
	// Output:
	// type=ref,event=branch
	// type=match,pattern=^v(\d+),group=1
}

func ExampleParseTag() {
	_, err := metadataaction.ParseTag("type=semver,pattern={{version}},prefx=v")
	fmt.Println(err)
	// Output:
	// metadataaction: tags: "type=semver,pattern={{version}},prefx=v": type=semver does not take the attribute "prefx"; allowed: enable, priority, prefix, suffix, pattern, value, match
}

func ExampleResult_JSON() {
	res, _ := metadataaction.Generate(metadataaction.Inputs{Images: []string{"acme/app"}},
		metadataaction.Context{EventName: "push", Ref: "refs/heads/main", SHA: "abc"},
		metadataaction.Repo{Name: "app"},
		metadataaction.Options{Now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)})
	fmt.Println(string(res.JSON()))
	// Output:
	// {"tags":["acme/app:main"],"tag-names":["main"],"labels":{"org.opencontainers.image.created":"2024-03-01T12:00:00.000Z","org.opencontainers.image.description":"","org.opencontainers.image.licenses":"","org.opencontainers.image.revision":"abc","org.opencontainers.image.source":"","org.opencontainers.image.title":"app","org.opencontainers.image.url":"","org.opencontainers.image.version":"main"},"annotations":["manifest:org.opencontainers.image.created=2024-03-01T12:00:00.000Z","manifest:org.opencontainers.image.description=","manifest:org.opencontainers.image.licenses=","manifest:org.opencontainers.image.revision=abc","manifest:org.opencontainers.image.source=","manifest:org.opencontainers.image.title=app","manifest:org.opencontainers.image.url=","manifest:org.opencontainers.image.version=main"]}
}

func ExampleWorkflowContext() {
	payload, err := metadataaction.ParsePayload([]byte(`{"number": 42, "pull_request": {"head": {"sha": "1111111222222233333334444444555555566666"}, "base": {"ref": "main"}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// pull_request_target runs on the base branch; metadata-action reads it
	// as the pull request, and DOCKER_METADATA_PR_HEAD_SHA=true takes the
	// head commit.
	ctx := metadataaction.WorkflowContext("pull_request_target", "refs/heads/main", "860c1904a1ce19322e91ac35af1ab07466440c37", 15, 123, payload,
		metadataaction.ContextOptions{PRHeadSHA: true})
	res, _ := metadataaction.Generate(metadataaction.Inputs{Tags: []string{"type=ref,event=pr", "type=sha", "type=raw,value=base-{{base_ref}}"}},
		ctx, metadataaction.Repo{}, metadataaction.Options{Now: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)})
	fmt.Println(ctx.Ref, res.TagNames)
	// Output:
	// refs/pull/42/merge [pr-42 base-main sha-1111111]
}
