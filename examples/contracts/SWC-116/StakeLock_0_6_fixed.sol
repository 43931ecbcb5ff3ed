// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.12;

/// @title StakeLockFixed
/// @notice Locks each stake for 30 days of wall-clock time. The lock is far longer
///         than any drift a block producer can introduce into `block.timestamp`.
contract StakeLockFixed {
    uint256 public constant LOCK_PERIOD = 30 days;
    mapping(address => uint256) public stake;
    mapping(address => uint256) public unlockAt;

    event Staked(address indexed account, uint256 amount);
    event Unstaked(address indexed account, uint256 amount);

    function deposit() external payable {
        require(msg.value > 0, "nothing to stake");
        require(stake[msg.sender] == 0, "already staking");
        stake[msg.sender] = msg.value;
        unlockAt[msg.sender] = block.timestamp + LOCK_PERIOD;
        emit Staked(msg.sender, msg.value);
    }

    function withdraw() external {
        uint256 amount = stake[msg.sender];
        require(amount > 0, "no stake");
        require(block.timestamp >= unlockAt[msg.sender], "still locked");
        stake[msg.sender] = 0;
        unlockAt[msg.sender] = 0;
        msg.sender.transfer(amount);
        emit Unstaked(msg.sender, amount);
    }
}
