using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using CliWrap.Buffered;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Packaging;

/// <summary>Runs the release workflow for a tag, reads what its packages carry, and installs them as a user would.</summary>
public sealed class PackageTests(ReleaseRun release) : IClassFixture<ReleaseRun>
{
    private const string Url = "https://github.com/evalrunner/evalrunner";

    // The kind of a portable PDB's SourceLink record (https://github.com/dotnet/runtime/blob/main/docs/design/specs/PortablePdb-Metadata.md).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact(Timeout = 600000)]
    public async Task Each_package_carries_its_id_version_license_urls_commit_readme_description_and_symbols()
    {
        var packed = await Released(TestContext.Current.CancellationToken);

        Assert.Matches("^[0-9a-f]{40}$", packed.Commit);
        foreach (var id in ReleaseRun.Ids)
        {
            var nupkg = Path.Combine(packed.Folder, $"{id}.{ReleaseRun.Version}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} was not packed: {string.Join(", ", Directory.GetFiles(packed.Folder).Select(Path.GetFileName))}");
            using var zip = ZipFile.OpenRead(nupkg);
            var metadata = Nuspec(zip, id);

            Assert.Equal(id, Text(metadata, "id"));
            Assert.Equal(ReleaseRun.Version, Text(metadata, "version"));
            var license = Element(metadata, "license");
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("MIT", license.Value);
            Assert.Equal(Url, Text(metadata, "projectUrl"));
            var repository = Element(metadata, "repository");
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Equal(Url, (string?)repository.Attribute("url"));
            Assert.Equal(packed.Commit, (string?)repository.Attribute("commit"));
            Assert.Equal("README.md", Text(metadata, "readme"));
            var readme = zip.GetEntry("README.md");
            Assert.NotNull(readme);
            using (var reader = new StreamReader(readme.Open()))
            {
                Assert.StartsWith($"# {id}\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }

            var description = Text(metadata, "description");
            Assert.True(description.Length > 20 && description != "Package Description", $"{id}: description '{description}'");
            Assert.Contains("llm", Text(metadata, "tags").Split(' '));
            Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), $"{id}: no .snupkg beside the .nupkg");
        }

        // The tool is a dotnet tool; the xunit front end depends on the engine of the same version.
        using (var cli = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.Cli.{ReleaseRun.Version}.nupkg")))
        {
            Assert.Equal("DotnetTool", (string?)Element(Element(Nuspec(cli, "EvalRunner.Cli"), "packageTypes"), "packageType").Attribute("name"));
            Assert.NotNull(cli.GetEntry("tools/net10.0/any/EvalRunner.Cli.dll"));
        }

        using (var xunit = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.Xunit.{ReleaseRun.Version}.nupkg")))
        {
            var dependencies = Nuspec(xunit, "EvalRunner.Xunit").Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
            Assert.Contains(dependencies, d => (string?)d.Attribute("id") == "EvalRunner" && (string?)d.Attribute("version") == ReleaseRun.Version);
        }

        // The engine's symbols point at this commit's sources on GitHub (SourceLink).
        using var symbols = ZipFile.OpenRead(Path.Combine(packed.Folder, $"EvalRunner.{ReleaseRun.Version}.snupkg"));
        var pdb = symbols.GetEntry("lib/net10.0/EvalRunner.pdb");
        Assert.NotNull(pdb);
        var sourceLink = await SourceLinkAsync(pdb, TestContext.Current.CancellationToken);
        Assert.Contains($"https://raw.githubusercontent.com/evalrunner/evalrunner/{packed.Commit}/*", sourceLink, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600000)]
    public async Task A_project_builds_against_the_local_packages_and_the_tool_installs_from_them_and_runs()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var packed = await Released(cancellationToken);
        using var dir = new TempDirectory();

        // The packages the repository's own restore fetched are in the machine's package folder: the project restores
        // its dependencies from there and EvalRunner from the local folder, and calls no package host. Packages it
        // extracts go to a folder of its own, so a later run never sees these test versions in the machine's cache.
        var machinePackages = (await ReleaseRun.RunAsync("dotnet", ["nuget", "locals", "global-packages", "--list"], Repository.Root, cancellationToken))
            .StandardOutput.Trim()["global-packages:".Length..].Trim();
        Assert.True(Directory.Exists(machinePackages), machinePackages);
        dir.File("NuGet.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(dir.Path, "nuget-packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="evalrunner-local" value="{packed.Folder}" />
                <add key="machine-packages" value="{machinePackages}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-packages" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        // Nothing from folders above the temp folder applies.
        dir.File("Directory.Build.props", "<Project />");
        dir.File("Directory.Build.targets", "<Project />");
        dir.File("Directory.Packages.props", "<Project />");
        dir.File("Consumer/Consumer.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EvalRunner" Version="{ReleaseRun.Version}" />
                <PackageReference Include="EvalRunner.Xunit" Version="{ReleaseRun.Version}" />
              </ItemGroup>
            </Project>
            """);
        dir.File("Consumer/Program.cs", """
            using EvalRunner;
            using EvalRunner.Suites;

            var suite = SuiteLoader.Load(args[0], Settings.FromEnvironment());
            Console.WriteLine($"loaded {suite.Name} with {typeof(EvalRunner.Xunit.EvalSuiteAttribute).Name}");
            """);
        var quickstart = Path.Combine(Repository.Root, "examples", "quickstart", "support.eval.yaml");

        await ReleaseRun.RunAsync("dotnet", ["build", "Consumer", "-nodeReuse:false", "--nologo", "-v", "q"], dir.Path, cancellationToken);
        var consumer = await ReleaseRun.RunAsync("dotnet", [Path.Combine(dir.Path, "Consumer", "bin", "Debug", "net10.0", "Consumer.dll"), quickstart], dir.Path, cancellationToken);

        Assert.Equal("loaded support-quickstart with EvalSuiteAttribute", consumer.StandardOutput.Trim());
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "nuget-packages", "evalrunner", ReleaseRun.Version)), "EvalRunner was not restored from the local folder");

        // The tool, as the README installs it from local packages.
        var tools = Path.Combine(dir.Path, "tools");
        await ReleaseRun.RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packed.Folder, "EvalRunner.Cli", "--version", ReleaseRun.Version], dir.Path, cancellationToken);
        var evalrunner = Path.Combine(tools, OperatingSystem.IsWindows() ? "evalrunner.exe" : "evalrunner");
        var help = await ReleaseRun.RunAsync(evalrunner, ["--help"], dir.Path, cancellationToken);
        var validate = await ReleaseRun.RunAsync(evalrunner, ["validate", quickstart], dir.Path, cancellationToken);

        Assert.Contains("evalrunner [command] [options]", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("suite 'support-quickstart', 10 datapoints", validate.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600000)]
    public async Task The_release_workflow_attaches_the_packages_to_a_release_of_the_tag_and_skips_NuGet_without_a_key()
    {
        var packed = await Released(TestContext.Current.CancellationToken);

        Assert.Equal(["Version from the tag", "Pack", "GitHub release", "Push to NuGet"], packed.Steps.Select(s => s.Name));
        var calls = packed.GhCalls.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, calls.Length);
        Assert.Equal($"release view {ReleaseRun.Tag} | GH_TOKEN=ghs_workflow_token", calls[0]);
        var create = calls[1];
        Assert.StartsWith($"release create {ReleaseRun.Tag} ", create, StringComparison.Ordinal);
        Assert.EndsWith($" --title EvalRunner {ReleaseRun.Version} --generate-notes --prerelease | GH_TOKEN=ghs_workflow_token", create, StringComparison.Ordinal);
        var attached = create.Split(' ').Where(a => a.EndsWith(".nupkg", StringComparison.Ordinal) || a.EndsWith(".snupkg", StringComparison.Ordinal)).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(
            ReleaseRun.Ids.SelectMany(id => new[] { $"{id}.{ReleaseRun.Version}.nupkg", $"{id}.{ReleaseRun.Version}.snupkg" }).Order(StringComparer.Ordinal),
            attached);
        Assert.Contains("::notice title=NuGet::the repository has no NUGET_API_KEY secret", packed.Steps[^1].Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_release_workflow_refuses_a_tag_that_is_not_a_version()
    {
        var step = ReleaseRun.WorkflowStep("Version from the tag");
        using var dir = new TempDirectory();
        var output = dir.File("output.txt", string.Empty);

        var result = await CliWrap.Cli.Wrap("bash")
            .WithArguments(["--noprofile", "--norc", "-eo", "pipefail", "-c", step])
            .WithEnvironmentVariables(env => env.Set("GITHUB_REF_NAME", "v1.2").Set("GITHUB_OUTPUT", output))
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error title=release::tag 'v1.2' is not v<major>.<minor>.<patch>[-<prerelease>]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
    }

    /// <summary>The workflow's run; fails the test with the failing step's log when a step failed.</summary>
    [Fact(Timeout = 600000)]
    public async Task The_action_at_a_release_tag_installs_that_released_tool_and_builds_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var packed = await Released(cancellationToken);
        using var dir = new TempDirectory();
        var temp = Directory.CreateDirectory(Path.Combine(dir.Path, "runner-temp")).FullName;
        var tool = Path.Combine(temp, "evalrunner");
        var build = ActionStep("build");

        var result = await CliWrap.Cli.Wrap("bash")
            .WithArguments(["--noprofile", "--norc", "-eo", "pipefail", "-c", build])
            .WithWorkingDirectory(dir.Path)
            .WithEnvironmentVariables(env => env
                .Set("ACTION_PATH", Repository.Root).Set("ACTION_REF", ReleaseRun.Tag).Set("TOOL_SOURCE", packed.Folder)
                .Set("TOOL_DIR", tool).Set("CLI_KEY", "evalrunner-cli-test").Set("RUNNER_TEMP", temp)
                .Set("NUGET_PACKAGES", Path.Combine(dir.Path, "nuget-packages")).Set("DOTNET_NOLOGO", "1").Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1"))
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains($"installed the released evalrunner tool {ReleaseRun.Version}", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("building it from the action's sources", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("evalrunner-cli-test", File.ReadAllText(Path.Combine(tool, ".key")).Trim());
        var validate = await ReleaseRun.RunAsync("dotnet", [Path.Combine(tool, "EvalRunner.Cli.dll"), "validate", "examples/quickstart/support.eval.yaml"], Repository.Root, cancellationToken);
        Assert.Contains("support-quickstart", validate.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The shell script of one step of the repository's action.yml.</summary>
    private static string ActionStep(string id)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "action.yml"))));
        var steps = (YamlDotNet.RepresentationModel.YamlSequenceNode)((YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode)["runs"])["steps"];
        var step = steps.Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Single(s => s.Children.TryGetValue("id", out var name) && name.ToString() == id);
        return ((YamlDotNet.RepresentationModel.YamlScalarNode)step["run"]).Value!;
    }

    private async Task<ReleaseRun> Released(CancellationToken cancellationToken)
    {
        var run = await release.GetAsync(cancellationToken);
        var failed = run.Steps.FirstOrDefault(s => s.ExitCode != 0);
        Assert.True(failed is null, $"step '{failed?.Name}' exited with {failed?.ExitCode}:\n{failed?.Log}");
        return run;
    }

    private static XElement Nuspec(ZipArchive zip, string id)
    {
        var entry = zip.Entries.Single(e => e.FullName == $"{id}.nuspec");
        using var stream = entry.Open();
        return Element(XDocument.Load(stream).Root!, "metadata");
    }

    private static XElement Element(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new global::Xunit.Sdk.XunitException($"no <{name}> in <{parent.Name.LocalName}>");

    private static string Text(XElement parent, string name) => Element(parent, name).Value;

    private static async Task<string> SourceLinkAsync(ZipArchiveEntry pdb, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var stream = pdb.Open())
        {
            await stream.CopyToAsync(buffer, cancellationToken);
        }

        buffer.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(buffer);
        var reader = provider.GetMetadataReader();
        foreach (var handle in reader.CustomDebugInformation)
        {
            var information = reader.GetCustomDebugInformation(handle);
            if (reader.GetGuid(information.Kind) == SourceLinkKind)
            {
                return Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value));
            }
        }

        return string.Empty;
    }
}
