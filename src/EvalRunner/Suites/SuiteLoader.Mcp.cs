using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Suites;

/// <summary>Reading a model config's MCP servers (<c>mcp:</c>).</summary>
public static partial class SuiteLoader
{
    private static readonly string[] McpKeys = ["name", "command", "env", "url", "headers"];

    /// <summary>The MCP servers of a model config, each a program over stdio or a streamable HTTP endpoint.</summary>
    private static List<McpServerSpec> ReadMcpServers(YamlMap model)
    {
        var servers = new List<McpServerSpec>();
        foreach (var item in model.Maps("mcp"))
        {
            item.AllowOnly(McpKeys);
            if (item.Try(() => ReadMcpServer(item), null) is not { } server)
            {
                continue;
            }

            if (servers.Any(s => s.Name == server.Name))
            {
                item.Try<object?>(() => throw item.Error("name", $"the MCP server name '{server.Name}' is used twice in this model config; give each server a unique name"), null);
                continue;
            }

            servers.Add(server);
        }

        return servers;
    }

    private static McpServerSpec ReadMcpServer(YamlMap item)
    {
        var name = item.RequireString("name", "the server's name, as errors and the cache name it", Secrecy.NotSecret);
        if (item.Has("command") == item.Has("url"))
        {
            throw new SuiteException(item.Here with { Field = item.Join("command") },
                "give 'command' (a program that serves MCP over stdio, for example [npx, -y, some-mcp-server]) or 'url' (a streamable HTTP endpoint), not both");
        }

        if (item.Has("command"))
        {
            if (item.Has("headers"))
            {
                throw item.Error("headers", "headers are for a server at a 'url'; a command's server takes 'env'");
            }

            return new McpServerSpec
            {
                Name = name,
                Command = CommandOf(item),
                Environment = SecretAwareMap(item, "env", item.Settings.AddSecret),
                Location = item.Here,
            };
        }

        if (item.Has("env"))
        {
            throw item.Error("env", "env is for a server started by a 'command'; a server at a 'url' takes 'headers'");
        }

        return new McpServerSpec
        {
            Name = name,
            Url = SpecReader.ReadUrl(item, "url"),
            Headers = SecretAwareMap(item, "headers", item.Settings.AddSecretsOfHeader),
            Location = item.Here,
        };
    }

    /// <summary>
    /// Headers or environment variables: a value whose name says it is a credential (Authorization, API_KEY, TOKEN...)
    /// is a secret, as the http provider's headers; the others are shown as they are.
    /// </summary>
    private static Dictionary<string, string> SecretAwareMap(YamlMap item, string key, Action<string> addSecret)
    {
        var values = item.StringMap(key, name => Settings.LooksSecret(name) ? Secrecy.SecretVariables : Secrecy.ByVariableName);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            if (Settings.LooksSecret(name))
            {
                addSecret(value);
            }

            map[name] = value;
        }

        return map;
    }
}
