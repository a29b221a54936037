using System.CommandLine;
using Fleet.Cli.Agent;
using YamlDotNet.RepresentationModel;

namespace Fleet.Cli.Tests.Deploy;

/// <summary>deploy/kubernetes without a cluster: the manifests parse and the fields that make the agent work are right.</summary>
public sealed class KubernetesManifestTests
{
    [Theory]
    [InlineData("daemonset.yaml", "DaemonSet", "apps/v1")]
    [InlineData("job.yaml", "Job", "batch/v1")]
    public void Manifest_AgentPodSpec_GpuNodesAllGpusTokenFromSecretServerFromConfigMap(string file, string kind, string apiVersion)
    {
        var doc = Load(file);
        Assert.Equal(kind, Scalar(doc, "kind"));
        Assert.Equal(apiVersion, Scalar(doc, "apiVersion"));
        var pod = Map(doc, "spec", "template", "spec");
        Assert.Equal("true", Scalar(pod, "nodeSelector", "nvidia.com/gpu.present"));
        var container = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(pod, "containers")));
        Assert.Equal("8", Scalar(container, "resources", "limits", "nvidia.com/gpu"));

        var env = Seq(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        Assert.Equal("fleet-agent-token", Scalar(env["FLEET_TOKEN"], "valueFrom", "secretKeyRef", "name"));
        Assert.Equal("token", Scalar(env["FLEET_TOKEN"], "valueFrom", "secretKeyRef", "key"));
        var configMap = Load("configmap.yaml");
        Assert.Equal("ConfigMap", Scalar(configMap, "kind"));
        Assert.Equal(Scalar(configMap, "metadata", "name"), Scalar(env["FLEET_SERVER"], "valueFrom", "configMapKeyRef", "name"));
        var key = Scalar(env["FLEET_SERVER"], "valueFrom", "configMapKeyRef", "key");
        Assert.StartsWith("https://", Scalar(configMap, "data", key), StringComparison.Ordinal);
        Assert.Equal("spec.nodeName", Scalar(env["NODE_NAME"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal(Scalar(configMap, "metadata", "namespace"), Scalar(doc, "metadata", "namespace"));

        var args = Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();
        Assert.Equal("agent", args[0]);
        Assert.DoesNotContain("--token", args); // never on a command line
        Assert.Equal("$(NODE_NAME)", args[args.IndexOf("--host") + 1]);
        var parse = new RootCommand { AgentCommand.Create() }.Parse(args); // the real `fleet agent` accepts them
        Assert.Empty(parse.Errors);

        var spool = args[args.IndexOf("--spool") + 1];
        var mount = Assert.Single(Seq(container, "volumeMounts").Cast<YamlMappingNode>(), m => Scalar(m, "mountPath") == spool);
        var volume = Assert.Single(Seq(pod, "volumes").Cast<YamlMappingNode>(), v => Scalar(v, "name") == Scalar(mount, "name"));
        Assert.Equal(spool, Scalar(volume, "hostPath", "path")); // the spool outlives the pod
        Assert.True(int.Parse(Scalar(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture) > new AgentOptions { Host = "h", AgentId = "a" }.StopGrace.TotalSeconds);
        Assert.Contains(Seq(pod, "tolerations").Cast<YamlMappingNode>(), t => Scalar(t, "key") == "nvidia.com/gpu");
    }

    [Fact]
    public void DaemonSet_Selector_MatchesTemplateAndAgentKeepsPolling()
    {
        var doc = Load("daemonset.yaml");
        Assert.Equal(Scalar(doc, "spec", "selector", "matchLabels", "app.kubernetes.io/name"), Scalar(doc, "spec", "template", "metadata", "labels", "app.kubernetes.io/name"));
        var args = Seq(Assert.IsType<YamlMappingNode>(Assert.Single(Seq(Map(doc, "spec", "template", "spec"), "containers"))), "args").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.DoesNotContain("--once", args); // a DaemonSet pod that exits is restarted: it polls with back-off instead
    }

    [Fact]
    public void Job_OneCampaign_OnePodPerNodeRunsOnce()
    {
        var doc = Load("job.yaml");
        Assert.Equal(Scalar(doc, "spec", "parallelism"), Scalar(doc, "spec", "completions"));
        var pod = Map(doc, "spec", "template", "spec");
        Assert.Contains(Scalar(pod, "restartPolicy"), new[] { "OnFailure", "Never" });
        var term = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(pod, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution")));
        Assert.Equal("kubernetes.io/hostname", Scalar(term, "topologyKey"));
        Assert.Equal(Scalar(doc, "spec", "template", "metadata", "labels", "app.kubernetes.io/name"), Scalar(term, "labelSelector", "matchLabels", "app.kubernetes.io/name"));
        var args = Seq(Assert.IsType<YamlMappingNode>(Assert.Single(Seq(pod, "containers"))), "args").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Contains("--once", args);
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "deploy", "kubernetes", file));
        stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static YamlNode Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            var map = Assert.IsType<YamlMappingNode>(node);
            Assert.True(map.Children.TryGetValue(new YamlScalarNode(key), out var child), $"missing '{key}' in {string.Join(".", path)}");
            node = child;
        }

        return node;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path) => Assert.IsType<YamlMappingNode>(Node(node, path));

    private static YamlSequenceNode Seq(YamlNode node, params string[] path) => Assert.IsType<YamlSequenceNode>(Node(node, path));

    private static string Scalar(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(Node(node, path)).Value!;
}
