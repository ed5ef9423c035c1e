// A Go peer for the integration tests: Shopify's sarama, a Kafka protocol implementation of its
// own (neither librdkafka nor a JavaScript or Python one), from Debian's
// golang-github-shopify-sarama-dev, with xdg-go/scram for SCRAM. test/helpers/go.ts builds it in
// GOPATH mode against /usr/share/gocode and runs it with one JSON object on stdin; it prints one
// JSON object on stdout, the result or {"error": ...} with exit code 1.
//
// Actions: "produce" (SyncProducer), "consume" (partition consumers from given offsets),
// "group" (ConsumerGroup members that consume and commit), "admin" (ClusterAdmin calls);
// each over TLS and SASL (PLAIN, SCRAM-SHA-256/512) when "security" says so.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/Shopify/sarama"
	"github.com/xdg-go/scram"
)

type header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// A record as the tests give and take it: key and value base64, null stays null.
type record struct {
	Topic     string   `json:"topic,omitempty"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Timestamp int64    `json:"timestamp"`
	Key       *string  `json:"key"`
	Value     *string  `json:"value"`
	Headers   []header `json:"headers"`
}

type input struct {
	Action    string `json:"action"`
	Bootstrap string `json:"bootstrap"`
	ClientID  string `json:"clientId"`
	Version   string `json:"version"`
	TimeoutMs int    `json:"timeoutMs"`
	// TLS when CA (a PEM file) is set; SASL when Mechanism is.
	Security struct {
		CA        string `json:"ca"`
		Mechanism string `json:"mechanism"`
		User      string `json:"user"`
		Password  string `json:"password"`
	} `json:"security"`
	Topic       string `json:"topic"`
	Compression string `json:"compression"`
	Idempotent  bool   `json:"idempotent"`
	// Hold records until this many are buffered (or a second passed): one Produce request.
	FlushMessages int `json:"flushMessages"`
	// acks: 1 unless given (sarama's own default, WaitForLocal).
	Acks *int `json:"acks"`
	// A partition of -1 leaves the choice to sarama's hash partitioner (FNV-1a of the key).
	Records []record `json:"records"`
	// consume
	Assignments []struct {
		Topic     string `json:"topic"`
		Partition int32  `json:"partition"`
		Offset    int64  `json:"offset"`
	} `json:"assignments"`
	Count int `json:"count"`
	// group
	Group    string   `json:"group"`
	Topics   []string `json:"topics"`
	Strategy string   `json:"strategy"`
	Members  int      `json:"members"`
	// admin: a list of steps, each answered in order
	Steps []adminStep `json:"steps"`
}

type adminStep struct {
	Op            string             `json:"op"`
	Topic         string             `json:"topic"`
	Partitions    int32              `json:"partitions"`
	Replication   int16              `json:"replication"`
	Configs       map[string]*string `json:"configs"`
	Offsets       map[string]int64   `json:"offsets"`
	Group         string             `json:"group"`
	ValidateOnly  bool               `json:"validateOnly"`
	ResourceType  string             `json:"resourceType"`
	ResourceNames []string           `json:"names"`
	// ACLs on a topic (v0 of the ACL APIs: literal patterns): Kafka's operation and permission
	// codes; 0 in a filter means any.
	Principal  string `json:"principal"`
	Operation  int8   `json:"operation"`
	Permission int8   `json:"permission"`
}

func fail(err error) {
	out, _ := json.Marshal(map[string]string{"error": err.Error()})
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
	os.Exit(1)
}

func b64(b []byte) *string {
	if b == nil {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

func unb64(s *string) []byte {
	if s == nil {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		fail(err)
	}
	return b
}

func config(in *input) *sarama.Config {
	conf := sarama.NewConfig()
	version := in.Version
	if version == "" {
		version = "2.1.0"
	}
	v, err := sarama.ParseKafkaVersion(version)
	if err != nil {
		fail(err)
	}
	conf.Version = v
	if in.ClientID != "" {
		conf.ClientID = in.ClientID
	}
	conf.Metadata.Retry.Backoff = 50 * time.Millisecond
	conf.Producer.Retry.Backoff = 50 * time.Millisecond
	conf.Consumer.Retry.Backoff = 50 * time.Millisecond
	conf.Admin.Timeout = 10 * time.Second
	// One attempt: a test that expects a refusal should not wait out retries.
	conf.Metadata.Retry.Max = 1
	secure(conf, in)
	return conf
}

func secure(conf *sarama.Config, in *input) {
	sec := in.Security
	if sec.CA != "" {
		pem, err := os.ReadFile(sec.CA)
		if err != nil {
			fail(err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			fail(fmt.Errorf("no certificate in %s", sec.CA))
		}
		conf.Net.TLS.Enable = true
		conf.Net.TLS.Config = &tls.Config{RootCAs: roots}
	}
	if sec.Mechanism == "" {
		return
	}
	conf.Net.SASL.Enable = true
	conf.Net.SASL.Handshake = true
	conf.Net.SASL.User = sec.User
	conf.Net.SASL.Password = sec.Password
	conf.Net.SASL.Mechanism = sarama.SASLMechanism(sec.Mechanism)
	switch sec.Mechanism {
	case "PLAIN":
	case "SCRAM-SHA-256":
		conf.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA256} }
	case "SCRAM-SHA-512":
		conf.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA512} }
	default:
		fail(fmt.Errorf("unknown SASL mechanism %q", sec.Mechanism))
	}
}

// scramClient is sarama's SCRAMClient over xdg-go/scram (sarama 1.22 leaves SCRAM to the user).
type scramClient struct {
	hash         scram.HashGeneratorFcn
	conversation *scram.ClientConversation
}

func (c *scramClient) Begin(user, password, authzID string) error {
	client, err := c.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	c.conversation = client.NewConversation()
	return nil
}

func (c *scramClient) Step(challenge string) (string, error) { return c.conversation.Step(challenge) }

func (c *scramClient) Done() bool { return c.conversation.Done() }

func produce(in *input) interface{} {
	conf := config(in)
	conf.Producer.Return.Successes = true
	if in.Acks != nil {
		conf.Producer.RequiredAcks = sarama.RequiredAcks(*in.Acks)
	}
	if in.Idempotent {
		conf.Producer.Idempotent = true
		conf.Producer.RequiredAcks = sarama.WaitForAll
		conf.Net.MaxOpenRequests = 1
	}
	switch in.Compression {
	case "", "none":
	case "gzip":
		conf.Producer.Compression = sarama.CompressionGZIP
	case "snappy":
		conf.Producer.Compression = sarama.CompressionSnappy
	case "lz4":
		conf.Producer.Compression = sarama.CompressionLZ4
	case "zstd":
		conf.Producer.Compression = sarama.CompressionZSTD
	default:
		fail(fmt.Errorf("unknown compression %q", in.Compression))
	}
	if in.FlushMessages > 0 {
		conf.Producer.Flush.Messages = in.FlushMessages
		conf.Producer.Flush.Frequency = time.Second
	}
	// Records naming a partition go there; the others to the hash partitioner's choice.
	conf.Producer.Partitioner = func(topic string) sarama.Partitioner {
		return &manualOrHash{hash: sarama.NewHashPartitioner(topic)}
	}
	producer, err := sarama.NewSyncProducer([]string{in.Bootstrap}, conf)
	if err != nil {
		fail(err)
	}
	defer producer.Close()
	messages := make([]*sarama.ProducerMessage, len(in.Records))
	for i, r := range in.Records {
		m := &sarama.ProducerMessage{Topic: in.Topic, Partition: r.Partition}
		if r.Key != nil {
			m.Key = sarama.ByteEncoder(unb64(r.Key))
		}
		if r.Value != nil {
			m.Value = sarama.ByteEncoder(unb64(r.Value))
		}
		if r.Timestamp != 0 {
			m.Timestamp = time.Unix(0, r.Timestamp*int64(time.Millisecond))
		}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: unb64(&h.Value)})
		}
		messages[i] = m
	}
	// SendMessages batches them: one produce request per broker where they fit.
	if err := producer.SendMessages(messages); err != nil {
		var errs sarama.ProducerErrors
		if errors.As(err, &errs) && len(errs) > 0 {
			fail(fmt.Errorf("%d of %d failed, first: %v", len(errs), len(messages), errs[0].Err))
		}
		fail(err)
	}
	delivered := make([]map[string]int64, len(messages))
	for i, m := range messages {
		delivered[i] = map[string]int64{"partition": int64(m.Partition), "offset": m.Offset}
	}
	return map[string]interface{}{"delivered": delivered}
}

type manualOrHash struct{ hash sarama.Partitioner }

func (p *manualOrHash) Partition(m *sarama.ProducerMessage, n int32) (int32, error) {
	if m.Partition >= 0 {
		return m.Partition, nil
	}
	return p.hash.Partition(m, n)
}

func (p *manualOrHash) RequiresConsistency() bool { return true }

func toRecord(m *sarama.ConsumerMessage) record {
	r := record{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp.UnixNano() / int64(time.Millisecond), Key: b64(m.Key), Value: b64(m.Value), Headers: []header{}}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, header{Key: string(h.Key), Value: *b64(append([]byte{}, h.Value...))})
	}
	return r
}

func sortRecords(records []record) {
	sort.Slice(records, func(i, j int) bool {
		a, b := records[i], records[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
}

func consume(in *input) interface{} {
	conf := config(in)
	conf.Consumer.Return.Errors = true
	consumer, err := sarama.NewConsumer([]string{in.Bootstrap}, conf)
	if err != nil {
		fail(err)
	}
	defer consumer.Close()
	messages := make(chan *sarama.ConsumerMessage)
	consumerErrors := make(chan error, 1)
	for _, a := range in.Assignments {
		pc, err := consumer.ConsumePartition(a.Topic, a.Partition, a.Offset)
		if err != nil {
			fail(err)
		}
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				messages <- m
			}
		}()
		go func() {
			for e := range pc.Errors() {
				select {
				case consumerErrors <- e:
				default:
				}
			}
		}()
	}
	records := []record{}
	deadline := time.After(time.Duration(in.TimeoutMs) * time.Millisecond)
	for len(records) < in.Count {
		select {
		case m := <-messages:
			records = append(records, toRecord(m))
		case e := <-consumerErrors:
			fail(e)
		case <-deadline:
			fail(fmt.Errorf("timed out with %d of %d records", len(records), in.Count))
		}
	}
	return map[string]interface{}{"records": records}
}

// groupState is what the members of one "group" run share: the records consumed, and each
// member's claims and generations.
type groupState struct {
	mu          sync.Mutex
	records     []record
	count       int
	done        chan struct{}
	claims      []map[string][]int32
	generations [][]int32
	changed     chan struct{}
}

// memberHandler is one member's sarama.ConsumerGroupHandler.
type memberHandler struct {
	state  *groupState
	member int
}

func (h *memberHandler) Setup(s sarama.ConsumerGroupSession) error {
	st := h.state
	st.mu.Lock()
	defer st.mu.Unlock()
	st.claims[h.member] = s.Claims()
	st.generations[h.member] = append(st.generations[h.member], s.GenerationID())
	select {
	case st.changed <- struct{}{}:
	default:
	}
	return nil
}

func (h *memberHandler) Cleanup(sarama.ConsumerGroupSession) error {
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	h.state.claims[h.member] = nil
	return nil
}

func (h *memberHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	st := h.state
	for m := range claim.Messages() {
		s.MarkMessage(m, "")
		st.mu.Lock()
		st.records = append(st.records, toRecord(m))
		if len(st.records) == st.count {
			close(st.done)
		}
		st.mu.Unlock()
	}
	return nil
}

// settled reports whether every member holds partitions, no partition twice, all of them in all.
func (st *groupState) settled(partitions int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	seen := map[string]bool{}
	for _, claims := range st.claims {
		if len(claims) == 0 {
			return false
		}
		for topic, ps := range claims {
			for _, p := range ps {
				key := topic + "/" + strconv.Itoa(int(p))
				if seen[key] {
					return false
				}
				seen[key] = true
			}
		}
	}
	return len(seen) == partitions
}

type groupMember struct {
	client sarama.Client
	group  sarama.ConsumerGroup
	err    chan error
}

// group runs `members` members of one group (default 1), each its own client. Each joins once
// the one before it has its first assignment, so that joining members rebalance the ones in
// place. With "records", they are produced (to "topic") once the group has settled; then the
// members consume until the group has seen `count` records, and leave.
func group(in *input) interface{} {
	conf := config(in)
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	conf.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	conf.Consumer.Return.Errors = true
	// A member learns of a rebalance from its next heartbeat (sarama's default: every 3 s).
	conf.Consumer.Group.Heartbeat.Interval = 200 * time.Millisecond
	switch in.Strategy {
	case "", "range":
		conf.Consumer.Group.Rebalance.Strategy = sarama.BalanceStrategyRange
	case "roundrobin":
		conf.Consumer.Group.Rebalance.Strategy = sarama.BalanceStrategyRoundRobin
	default:
		fail(fmt.Errorf("unknown strategy %q", in.Strategy))
	}
	n := in.Members
	if n == 0 {
		n = 1
	}
	st := &groupState{count: in.Count, done: make(chan struct{}), claims: make([]map[string][]int32, n), generations: make([][]int32, n), changed: make(chan struct{}, 1)}
	deadline := time.After(time.Duration(in.TimeoutMs) * time.Millisecond)
	timedOut := func(what string) {
		st.mu.Lock()
		fail(fmt.Errorf("timed out %s, with %d of %d records; claims %v", what, len(st.records), in.Count, st.claims))
	}
	ctx, cancel := context.WithCancel(context.Background())
	members := make([]*groupMember, n)
	errs := make(chan error, 2*n)
	// waitUntil checks `done` whenever a member's claims change (and every 20 ms), failing on a
	// group error or at the deadline.
	waitUntil := func(done func() bool, what string) {
		for !done() {
			select {
			case <-st.changed:
			case <-time.After(20 * time.Millisecond):
			case err := <-errs:
				fail(fmt.Errorf("group: %v", err))
			case <-deadline:
				timedOut(what)
			}
		}
	}
	partitions := 0
	for i := range members {
		client, err := sarama.NewClient([]string{in.Bootstrap}, conf)
		if err != nil {
			fail(err)
		}
		if i == 0 {
			for _, topic := range in.Topics {
				ps, err := client.Partitions(topic)
				if err != nil {
					fail(err)
				}
				partitions += len(ps)
			}
		}
		cg, err := sarama.NewConsumerGroupFromClient(in.Group, client)
		if err != nil {
			fail(err)
		}
		m := &groupMember{client: client, group: cg, err: make(chan error, 1)}
		members[i] = m
		handler := &memberHandler{state: st, member: i}
		go func() {
			for ctx.Err() == nil {
				if err := cg.Consume(ctx, in.Topics, handler); err != nil {
					m.err <- err
					return
				}
			}
			m.err <- nil
		}()
		go func() {
			for err := range cg.Errors() {
				errs <- err
			}
		}()
		if i+1 < n {
			member := i
			waitUntil(func() bool {
				st.mu.Lock()
				defer st.mu.Unlock()
				return len(st.generations[member]) > 0
			}, fmt.Sprintf("waiting for member %d to join", i))
		}
	}
	var produced interface{}
	if len(in.Records) > 0 {
		waitUntil(func() bool { return st.settled(partitions) }, "waiting for the group to settle")
		produced = produce(in)
	}
	select {
	case <-st.done:
	case err := <-errs:
		fail(fmt.Errorf("group: %v", err))
	case <-deadline:
		timedOut("consuming")
	}
	st.mu.Lock()
	claims := append([]map[string][]int32{}, st.claims...)
	st.mu.Unlock()
	// Leaving the session commits what was marked; closing the group sends LeaveGroup.
	cancel()
	for _, m := range members {
		if err := <-m.err; err != nil {
			fail(err)
		}
		if err := m.group.Close(); err != nil {
			fail(err)
		}
		m.client.Close()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	sortRecords(st.records)
	return map[string]interface{}{"records": st.records, "claims": claims, "generations": st.generations, "produced": produced}
}

func admin(in *input) interface{} {
	conf := config(in)
	ca, err := sarama.NewClusterAdmin([]string{in.Bootstrap}, conf)
	if err != nil {
		fail(err)
	}
	defer ca.Close()
	results := []interface{}{}
	for _, step := range in.Steps {
		results = append(results, adminStepResult(ca, &step))
	}
	return map[string]interface{}{"results": results}
}

// errorOf is a step's error as the tests match it: sarama's KError text, or the error's text.
func errorOf(err error) interface{} {
	if err == nil {
		return nil
	}
	var topicErr *sarama.TopicError
	if errors.As(err, &topicErr) {
		return map[string]interface{}{"code": int16(topicErr.Err), "message": topicErr.Error()}
	}
	var partitionErr *sarama.TopicPartitionError
	if errors.As(err, &partitionErr) {
		return map[string]interface{}{"code": int16(partitionErr.Err), "message": partitionErr.Error()}
	}
	var kerr sarama.KError
	if errors.As(err, &kerr) {
		return map[string]interface{}{"code": int16(kerr), "message": kerr.Error()}
	}
	return map[string]interface{}{"code": nil, "message": err.Error()}
}

func adminStepResult(ca sarama.ClusterAdmin, s *adminStep) interface{} {
	switch s.Op {
	case "createTopic":
		replication := s.Replication
		if replication == 0 {
			replication = 1
		}
		err := ca.CreateTopic(s.Topic, &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: replication, ConfigEntries: s.Configs}, s.ValidateOnly)
		return map[string]interface{}{"error": errorOf(err)}
	case "listTopics":
		topics, err := ca.ListTopics()
		out := map[string]interface{}{}
		for name, detail := range topics {
			out[name] = map[string]interface{}{"partitions": detail.NumPartitions, "replication": detail.ReplicationFactor, "configs": detail.ConfigEntries}
		}
		return map[string]interface{}{"error": errorOf(err), "topics": out}
	case "describeTopics":
		metadata, err := ca.DescribeTopics(s.ResourceNames)
		out := []interface{}{}
		for _, t := range metadata {
			partitions := []interface{}{}
			for _, p := range t.Partitions {
				partitions = append(partitions, map[string]interface{}{"id": p.ID, "leader": p.Leader, "replicas": p.Replicas, "isr": p.Isr, "error": int16(p.Err)})
			}
			sort.Slice(partitions, func(i, j int) bool {
				return partitions[i].(map[string]interface{})["id"].(int32) < partitions[j].(map[string]interface{})["id"].(int32)
			})
			out = append(out, map[string]interface{}{"name": t.Name, "error": int16(t.Err), "internal": t.IsInternal, "partitions": partitions})
		}
		return map[string]interface{}{"error": errorOf(err), "topics": out}
	case "describeCluster":
		brokers, controller, err := ca.DescribeCluster()
		addrs := []string{}
		for _, b := range brokers {
			addrs = append(addrs, strconv.Itoa(int(b.ID()))+"@"+b.Addr())
		}
		return map[string]interface{}{"error": errorOf(err), "brokers": addrs, "controller": controller}
	case "describeConfig":
		resource := sarama.ConfigResource{Type: sarama.TopicResource, Name: s.Topic}
		if s.ResourceType == "broker" {
			resource.Type = sarama.BrokerResource
		}
		entries, err := ca.DescribeConfig(resource)
		out := map[string]interface{}{}
		for _, e := range entries {
			out[e.Name] = map[string]interface{}{"value": e.Value, "default": e.Default, "readOnly": e.ReadOnly, "sensitive": e.Sensitive, "source": e.Source.String()}
		}
		return map[string]interface{}{"error": errorOf(err), "configs": out}
	case "alterConfig":
		err := ca.AlterConfig(sarama.TopicResource, s.Topic, s.Configs, s.ValidateOnly)
		return map[string]interface{}{"error": errorOf(err)}
	case "createPartitions":
		err := ca.CreatePartitions(s.Topic, s.Partitions, nil, s.ValidateOnly)
		return map[string]interface{}{"error": errorOf(err)}
	case "deleteRecords":
		offsets := map[int32]int64{}
		for p, o := range s.Offsets {
			n, _ := strconv.Atoi(p)
			offsets[int32(n)] = o
		}
		err := ca.DeleteRecords(s.Topic, offsets)
		return map[string]interface{}{"error": errorOf(err)}
	case "deleteTopic":
		err := ca.DeleteTopic(s.Topic)
		return map[string]interface{}{"error": errorOf(err)}
	case "listGroups":
		groups, err := ca.ListConsumerGroups()
		return map[string]interface{}{"error": errorOf(err), "groups": groups}
	case "describeGroups":
		descriptions, err := ca.DescribeConsumerGroups(s.ResourceNames)
		out := []interface{}{}
		for _, d := range descriptions {
			out = append(out, map[string]interface{}{"group": d.GroupId, "state": d.State, "protocolType": d.ProtocolType, "protocol": d.Protocol, "members": len(d.Members), "error": int16(d.Err)})
		}
		return map[string]interface{}{"error": errorOf(err), "groups": out}
	case "groupOffsets":
		// sarama 1.22 asks with OffsetFetch v1, which cannot ask for "all topics": name them.
		response, err := ca.ListConsumerGroupOffsets(s.Group, map[string][]int32{s.Topic: partitionsUpTo(s.Partitions)})
		out := map[string]interface{}{}
		if response != nil {
			for topic, partitions := range response.Blocks {
				for p, block := range partitions {
					out[topic+"/"+strconv.Itoa(int(p))] = map[string]interface{}{"offset": block.Offset, "error": int16(block.Err)}
				}
			}
		}
		return map[string]interface{}{"error": errorOf(err), "offsets": out}
	case "createAcl":
		resource := sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: s.Topic, ResoucePatternType: sarama.AclPatternLiteral}
		acl := sarama.Acl{Principal: s.Principal, Host: "*", Operation: sarama.AclOperation(s.Operation), PermissionType: sarama.AclPermissionType(s.Permission)}
		return map[string]interface{}{"error": errorOf(ca.CreateACL(resource, acl))}
	case "listAcls":
		resources, err := ca.ListAcls(aclFilter(s))
		out := []interface{}{}
		for _, r := range resources {
			for _, a := range r.Acls {
				out = append(out, map[string]interface{}{"topic": r.ResourceName, "principal": a.Principal, "host": a.Host, "operation": a.Operation, "permission": a.PermissionType})
			}
		}
		return map[string]interface{}{"error": errorOf(err), "acls": out}
	case "deleteAcls":
		matching, err := ca.DeleteACL(aclFilter(s), false)
		out := []interface{}{}
		for _, m := range matching {
			out = append(out, map[string]interface{}{"error": int16(m.Err), "topic": m.ResourceName, "principal": m.Principal, "operation": m.Operation})
		}
		return map[string]interface{}{"error": errorOf(err), "deleted": out}
	}
	fail(fmt.Errorf("unknown admin op %q", s.Op))
	return nil
}

// aclFilter matches the step's topic ACLs: any operation and permission unless given, and the
// step's principal if given.
func aclFilter(s *adminStep) sarama.AclFilter {
	filter := sarama.AclFilter{ResourceType: sarama.AclResourceTopic, ResourcePatternTypeFilter: sarama.AclPatternLiteral, Operation: sarama.AclOperationAny, PermissionType: sarama.AclPermissionAny}
	if s.Topic != "" {
		filter.ResourceName = &s.Topic
	}
	if s.Principal != "" {
		filter.Principal = &s.Principal
	}
	if s.Operation != 0 {
		filter.Operation = sarama.AclOperation(s.Operation)
	}
	if s.Permission != 0 {
		filter.PermissionType = sarama.AclPermissionType(s.Permission)
	}
	return filter
}

func partitionsUpTo(n int32) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	if in.TimeoutMs == 0 {
		in.TimeoutMs = 30000
	}
	var out interface{}
	switch in.Action {
	case "produce":
		out = produce(&in)
	case "consume":
		out = consume(&in)
	case "group":
		out = group(&in)
	case "admin":
		out = admin(&in)
	default:
		fail(fmt.Errorf("unknown action %q", in.Action))
	}
	encoded, err := json.Marshal(out)
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(encoded)
	os.Stdout.Write([]byte("\n"))
}
